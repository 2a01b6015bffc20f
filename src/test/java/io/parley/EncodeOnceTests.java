package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.AliceAndBobInAGroup;
import io.parley.support.ChatClient;
import io.parley.support.ChatClient.Encoding;
import io.parley.support.ParleyApi.User;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Six sockets in one group: Alice on two JSON browsers, Bob on two Protobuf phones, Carol on one of
 * each. One message reaches all six, yet the server serializes it exactly twice: once as JSON, once as
 * Protobuf. The proof is the server's own counter of encodings, {@code parley.frames.encoded}, which
 * the codecs increment on every serialization they make.
 */
@ParleyIntegrationTest
class EncodeOnceTests extends AliceAndBobInAGroup {

	@Autowired
	MeterRegistry meters;

	@Test
	void aMessageFannedOutToSixSocketsIsEncodedOncePerWireFormat() {
		User carol = api.newUser("carol");
		api.addMember(alice, group, carol);
		try (ChatClient aliceLaptop = api.connect(alice, Encoding.JSON); ChatClient aliceDesktop = api.connect(alice);
				ChatClient bobPhone = api.connect(bob, Encoding.PROTOBUF); ChatClient bobTablet = api.connect(bob, Encoding.PROTOBUF);
				ChatClient carolBrowser = api.connect(carol); ChatClient carolPhone = api.connect(carol, Encoding.PROTOBUF)) {
			List<ChatClient> everyone = List.of(aliceLaptop, aliceDesktop, bobPhone, bobTablet, carolBrowser, carolPhone);
			double jsonBefore = encodedMessages("json");
			double protobufBefore = encodedMessages("protobuf");

			carolPhone.send(group, "Who's bringing the cake? 🎂");
			long seq = carolPhone.expect("ack").get("seq").asLong();
			for (ChatClient client : everyone) {
				assertThat(client.expect("message").get("seq").asLong()).isEqualTo(seq);
			}

			assertThat(encodedMessages("json") - jsonBefore).as("JSON encodings of the message for 3 JSON sockets").isEqualTo(1);
			assertThat(encodedMessages("protobuf") - protobufBefore).as("Protobuf encodings of the message for 3 Protobuf sockets")
				.isEqualTo(1);
		}
	}

	private double encodedMessages(String format) {
		Counter counter = meters.find("parley.frames.encoded").tag("format", format).tag("type", "message").counter();
		return counter == null ? 0 : counter.count();
	}
}
