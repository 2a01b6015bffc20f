package io.parley.realtime.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.parley.history.StoredMessage;
import io.parley.realtime.RealtimeSettings;

import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

import tools.jackson.databind.json.JsonMapper;

/**
 * Mobile networks want small frames: the three frames a chat sends most (a message, a typing
 * indicator, a presence change), measured in both encodings as they go on the wire (JSON as UTF-8
 * bytes, Protobuf as its bytes). The figures are printed and recorded in docs/protocol.md
 * ("Encodings"); the assertion is only that Protobuf is smaller, never a timing.
 */
class FrameSizesTests {

	final FrameCodec json = new FrameCodec(JsonMapper.builder().build(),
			new RealtimeSettings(DataSize.ofKilobytes(64), DataSize.ofMegabytes(1), 4000, 1024, 500));
	final ProtobufFrameCodec protobuf = new ProtobufFrameCodec(json, new EncodedFrames(new SimpleMeterRegistry()));

	@Test
	void protobufFramesAreSmallerThanJsonForTheFramesAChatSendsMost() {
		UUID conversation = UUID.fromString("6f1c2a4e-8b3d-4f5a-9c7e-1d2b3a4c5e6f");
		UUID alice = UUID.fromString("0b7e9d8c-2f4a-4e6b-8a1c-3d5f7e9b1a2c");
		// A snowflake as Parley makes them: ms since 2026-01-01 (about 11 months in), node 5, counter 7.
		long messageId = (29_000_000_000L << 22) | (5L << 12) | 7;
		Instant sentAt = Instant.parse("2026-12-03T18:49:30.123Z");
		StoredMessage typical = StoredMessage.message(conversation, 1_042, messageId, alice,
				"3f2b8c1e-7d4a-4b9e-a6c5-0e1f2a3b4c5d", "See you at 7, I'll bring the snacks 🍿", sentAt);

		Map<String, ServerFrame> frames = new LinkedHashMap<>();
		frames.put("message (37-code-point body)", ServerFrame.Message.of(typical));
		frames.put("typing (start)", new ServerFrame.Typing(conversation, alice, "start", null));
		frames.put("presence (offline, with lastSeen)", new ServerFrame.Presence(alice, "offline", sentAt));

		System.out.println("| frame | JSON bytes | Protobuf bytes | Protobuf / JSON |");
		System.out.println("|---|---|---|---|");
		frames.forEach((name, frame) -> {
			int jsonBytes = json.encode(frame).getBytes(StandardCharsets.UTF_8).length;
			int protobufBytes = protobuf.encode(frame).length;
			System.out.printf("| %s | %d | %d | %d %% |%n", name, jsonBytes, protobufBytes, Math.round(100.0 * protobufBytes / jsonBytes));
			assertThat(protobufBytes).as("Protobuf size of %s", name).isLessThan(jsonBytes);
		});
	}
}
