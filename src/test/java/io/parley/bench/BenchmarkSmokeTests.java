package io.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import io.parley.dev.ParleyIntegrationTest;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Keeps the load tool working: the fan-out scenario for two seconds on a handful of connections,
 * against Parley and the bare baseline. It checks that both deliver and that the result lines are
 * complete, never how fast anything is (speed is measured by {@link Benchmarks}, not asserted).
 */
@ParleyIntegrationTest
class BenchmarkSmokeTests {

	@LocalServerPort
	int port;

	@Test
	void theFanOutScenarioRunsAgainstParleyAndTheBaseline() {
		List<String> lines = Benchmarks.fanOut(port, 4, 2, 2, 5, Duration.ofSeconds(2), Duration.ofSeconds(1));
		assertThat(lines).hasSize(3);
		assertThat(lines.get(0)).startsWith("fanout target=parley").contains("deliveries/s=", "p99=");
		assertThat(lines.get(1)).startsWith("fanout target=bare-netty");
		assertThat(lines.get(2)).startsWith("fanout ratio parley/bare");
		lines.forEach(System.out::println);
	}
}
