package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import io.parley.dev.ParleyIntegrationTest;
import io.parley.support.SecondNode;

import org.junit.jupiter.api.Test;

/**
 * README's run command starts Parley through {@link TestParleyApplication}, which adds its own
 * listener to the real application. A node started the same way (on this run's engines) must come
 * up and say where to point a browser: a listener Spring cannot type would break start-up here,
 * exactly as it would for a newcomer.
 */
@ParleyIntegrationTest
class LocalLauncherTests {

	@Test
	void aNodeWithTheLaunchersListenerStartsAndSaysWhereToPointABrowser() {
		ByteArrayOutputStream printed = new ByteArrayOutputStream();
		try (SecondNode node = SecondNode.start(Map.of(),
				TestParleyApplication.readyAnnouncer(new PrintStream(printed, true, StandardCharsets.UTF_8)))) {
			assertThat(node.context().isRunning()).isTrue();
			assertThat(printed.toString(StandardCharsets.UTF_8).trim())
				.isEqualTo("Parley is ready: open http://localhost:" + node.port() + "/");
		}
	}
}
