package io.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Keeps the load tool working in every build: each benchmark scenario for seconds, on a handful of
 * connections, against the packaged jar in its own process (and the bare baseline where it
 * applies), from two generator processes on two loopback addresses. It checks that every scenario
 * ran to the end and reported complete figures, never how fast anything was: speed is measured by
 * {@link Benchmarks}, not asserted.
 */
class BenchmarkSmokeIT {

	@Test
	void everyScenarioRunsAndReportsItsFiguresAndTheTargetTable() throws Exception {
		Benchmarks.Settings tiny = new Benchmarks.Settings(List.of("idle", "fanout", "typing", "reconnect"), 20, 2, 6, 4, 2, 2,
				List.of(10, 20), Duration.ofSeconds(2), Duration.ofSeconds(1), 4, 2, 5, Duration.ofSeconds(2), 10, "512m",
				Duration.ofSeconds(2));
		Path out = Path.of("target", "benchmarks-smoke");
		Benchmarks.Report report = Benchmarks.run(tiny, out);

		List<String> lines = report.lines();
		assertThat(lines.get(0)).startsWith("machine cores=");
		assertThat(lines).filteredOn(l -> l.startsWith("idle target=parley")).singleElement()
			.satisfies(l -> assertThat(l).contains("connections=20 held=20", "rss/connection=", "heap/connection="));
		assertThat(lines).filteredOn(l -> l.startsWith("idle target=bare-netty")).singleElement()
			.satisfies(l -> assertThat(l).contains("held=20"));
		// One line per ladder step (a saturated step ends the ladder) and one at half the best rate.
		assertThat(lines).filteredOn(l -> l.startsWith("fanout target=parley ") && l.contains(" deliveries/s="))
			.hasSizeBetween(2, 3)
			.allSatisfy(l -> assertThat(l).doesNotContain("deliveries/s=0 ").contains("p99="));
		assertThat(lines).filteredOn(l -> l.startsWith("fanout target=bare-netty ") && l.contains(" deliveries/s="))
			.hasSizeBetween(1, 2);
		assertThat(lines).anyMatch(l -> l.startsWith("fanout ratio parley/bare"));
		assertThat(lines).filteredOn(l -> l.startsWith("typing ")).singleElement()
			.satisfies(l -> assertThat(l).doesNotContain("signals-relayed/s=0 ").contains("server-cpu="));
		assertThat(lines).filteredOn(l -> l.startsWith("reconnect ")).singleElement()
			.satisfies(l -> assertThat(l).contains("clients=10", "reconnected=").doesNotContain("not-within"));

		assertThat(report.table()).hasSize(5)
			.allSatisfy(row -> assertThat(row).startsWith("| ").matches(".*\\| (met|not met) \\|$"));
		assertThat(report.charts()).containsOnlyKeys("idle-memory.svg", "fanout-latency.svg", "fanout-throughput.svg");
		for (String chart : report.charts().keySet()) {
			assertThat(Files.readString(out.resolve(chart))).startsWith("<svg").endsWith("</svg>\n");
		}
		assertThat(Files.readAllLines(out.resolve("results.txt"))).isEqualTo(lines);
	}
}
