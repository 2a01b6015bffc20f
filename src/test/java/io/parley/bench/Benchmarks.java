package io.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import io.parley.dev.LocalEngines;
import io.parley.support.ParleyApi;
import io.parley.support.ParleyApi.User;
import io.parley.support.ParleyJar;

import org.junit.jupiter.api.Test;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Parley's published figures, and the one command that reproduces them:
 * {@code ./mvnw -B -Pbench verify} (settings: the {@code parley.bench.*} system properties of
 * {@link Settings}). Parley runs as the packaged jar in a process of its own, on the real local
 * engines, so its memory and CPU are its own; the bare baseline ({@link BareBroadcastServer}) runs
 * the same scenarios where they apply. Scenarios, each printing one result line per target:
 * <ol>
 * <li>idle: connections held with heartbeats and presence, opened by several generator processes
 * from several loopback addresses; resident memory and live heap per connection;</li>
 * <li>fan-out: a ladder of offered rates, then half the highest delivered rate; messages accepted
 * and deliveries per second, end-to-end latency;</li>
 * <li>typing storm: a typing frame on every keystroke; signals relayed per second and CPU;</li>
 * <li>reconnect storm: the node restarts (SIGTERM, drain, a new process on the same port) under
 * connected clients; time until all are back, peak handshakes per second, refusals and retries.</li>
 * </ol>
 * Everything goes to {@code target/benchmarks/}: {@code results.txt}, {@code table.md} (the targets,
 * met or not), and SVG charts. Nothing here asserts a speed: only that each scenario ran.
 * {@code BenchmarkSmokeIT} runs all of it for seconds in every build.
 */
public class Benchmarks {

	/**
	 * The run's settings, from {@code -Dparley.bench.<name>=}.
	 *
	 * @param idleConnections connections held in the idle scenario (on one node: at most about 19,000
	 * here, the open-files cap being 20,000 per process)
	 * @param generators generator processes (each from its own 127.0.0.x)
	 * @param users registered users; connections are spread over them as devices
	 * @param members connections in the fan-out scenario, all in every one of its {@code groups}
	 * @param senders of those, the ones that send
	 * @param rates offered messages per second, all senders together, one ladder step each
	 * @param typists users in the typing storm, in groups of {@code typingGroup}
	 * @param reconnectClients connected clients when the node restarts
	 */
	record Settings(List<String> scenarios, int idleConnections, int generators, int users, int members, int groups,
			int senders, List<Integer> rates, Duration step, Duration warmUp, int typists, int typingGroup, double keysPerSecond,
			Duration typingTime, int reconnectClients, String heap, Duration idleSettle) {

		static Settings fromSystemProperties() {
			return new Settings(List.of(text("scenarios", "idle,fanout,typing,reconnect").split(",")), number("idle-connections", 19000),
					number("generators", 4), number("users", 100), number("members", 100), number("groups", 4), number("senders", 20),
					Arrays.stream(text("rates", "25,50,100,200,400,800,1600,3200").split(",")).map(Integer::valueOf).toList(),
					Duration.ofSeconds(number("step-seconds", 10)), Duration.ofSeconds(number("warmup-seconds", 3)), number("typists", 100),
					number("typing-group", 10), number("keys-per-second", 5), Duration.ofSeconds(number("typing-seconds", 15)),
					number("reconnect-clients", 10000), text("heap", "2g"), Duration.ofSeconds(number("idle-settle-seconds", 15)));
		}

		private static int number(String name, int fallback) {
			return Integer.getInteger("parley.bench." + name, fallback);
		}

		private static String text(String name, String fallback) {
			return System.getProperty("parley.bench." + name, fallback);
		}

		boolean runs(String scenario) {
			return scenarios.contains(scenario);
		}
	}

	/** What a run found: its result lines, the target table, the charts. */
	record Report(List<String> lines, List<String> table, Map<String, String> charts) {
	}

	@Test
	void measure() throws Exception {
		Report report = run(Settings.fromSystemProperties(), Path.of("target", "benchmarks"));
		assertThat(report.lines()).isNotEmpty();
	}

	static Report run(Settings settings, Path out) throws Exception {
		Files.createDirectories(out);
		List<String> lines = new ArrayList<>();
		List<String> table = new ArrayList<>();
		Map<String, String> charts = new LinkedHashMap<>();
		lines.add(machine());
		int port = ParleyJar.freePort();
		MeasuredProcess parley = startParley(settings, port, out.resolve("parley-node.log"));
		try {
			ParleyApi api = new ParleyApi(port);
			List<User> users = new ArrayList<>();
			for (int u = 0; u < settings.users(); u++) {
				users.add(api.newUser("bench"));
			}
			Path tokens = out.resolve("tokens.txt");
			Files.write(tokens, users.stream().map(User::token).toList());

			if (settings.runs("idle")) {
				idle(settings, parley, port, tokens, lines, table, charts, out);
			}
			if (settings.runs("fanout")) {
				fanOut(settings, port, users, lines, table, charts);
			}
			if (settings.runs("typing")) {
				typing(settings, parley, port, api, users, lines);
			}
			if (settings.runs("reconnect")) {
				parley = reconnectStorm(settings, parley, port, tokens, lines, out);
			}
		}
		finally {
			parley.close();
			Files.write(out.resolve("results.txt"), lines);
			Files.write(out.resolve("table.md"), table);
			for (Map.Entry<String, String> chart : charts.entrySet()) {
				Files.writeString(out.resolve(chart.getKey()), chart.getValue());
			}
		}
		lines.forEach(System.out::println);
		table.forEach(System.out::println);
		return new Report(lines, table, charts);
	}

	// ------------------------------------------------------------------------------------ idle

	private static void idle(Settings settings, MeasuredProcess parley, int port, Path tokens, List<String> lines, List<String> table,
			Map<String, String> charts, Path out) throws Exception {
		int n = settings.idleConnections();
		IdleFigures parleyIdle = idleOn(parley, "ws://127.0.0.1:" + port + "/ws?access_token={token}", tokens, n, settings);
		lines.add(parleyIdle.line());
		IdleFigures bareIdle;
		int barePort = ParleyJar.freePort();
		Process bareProcess = new ProcessBuilder(ParleyJar.javaExecutable(), "-Xmx" + settings.heap(), "-cp",
				System.getProperty("java.class.path"), BareBroadcastServer.class.getName(), Integer.toString(barePort))
			.redirectErrorStream(true).redirectOutput(out.resolve("bare-server.log").toFile()).start();
		try (MeasuredProcess bare = new MeasuredProcess("bare-netty", bareProcess, out.resolve("bare-server.log"))) {
			awaitListening(barePort);
			// Each connection in a group of its own, so a heartbeat is echoed to its sender only.
			bareIdle = idleOn(bare, "ws://127.0.0.1:" + barePort + "/ws?group={i}", null, n, settings);
		}
		lines.add(bareIdle.line());
		lines.add(String.format(Locale.ROOT, "idle ratio parley/bare rss-per-connection=%.2fx heap-per-connection=%.2fx",
				parleyIdle.rssPerConnectionKiB() / bareIdle.rssPerConnectionKiB(),
				parleyIdle.heapPerConnectionKiB() / bareIdle.heapPerConnectionKiB()));
		boolean held = parleyIdle.held() >= 19000;
		table.add(row("19,000 idle connections on one node", parleyIdle.held() + " held of " + n + " opened", held && n >= 19000));
		table.add(row("at most 10 KiB resident memory per idle connection",
				String.format(Locale.ROOT, "%.1f KiB (live heap %.1f KiB); bare baseline %.1f KiB", parleyIdle.rssPerConnectionKiB(),
						parleyIdle.heapPerConnectionKiB(), bareIdle.rssPerConnectionKiB()),
				parleyIdle.rssPerConnectionKiB() <= 10));
		Map<String, Double> memory = new LinkedHashMap<>();
		memory.put("Parley RSS", round(parleyIdle.rssPerConnectionKiB()));
		memory.put("Parley heap", round(parleyIdle.heapPerConnectionKiB()));
		memory.put("bare RSS", round(bareIdle.rssPerConnectionKiB()));
		memory.put("bare heap", round(bareIdle.heapPerConnectionKiB()));
		charts.put("idle-memory.svg", SvgChart.bars("Memory per idle connection (KiB)", "KiB per connection", memory));
	}

	record IdleFigures(String target, int opened, long held, long rssBeforeKiB, long rssAfterKiB, long heapBeforeKiB, long heapAfterKiB,
			long openFiles, double cpuPercentWhileIdle, double secondsToOpen, long refused) {

		double rssPerConnectionKiB() {
			return (rssAfterKiB - rssBeforeKiB) / (double) Math.max(1, held);
		}

		double heapPerConnectionKiB() {
			return (heapAfterKiB - heapBeforeKiB) / (double) Math.max(1, held);
		}

		String line() {
			return String.format(Locale.ROOT,
					"idle target=%s connections=%d held=%d opened-in=%.1fs refused=%d rss=%d→%d KiB heap=%d→%d KiB rss/connection=%.1f KiB heap/connection=%.1f KiB open-files=%d cpu-while-idle=%.1f%% of one core",
					target, opened, held, secondsToOpen, refused, rssBeforeKiB, rssAfterKiB, heapBeforeKiB, heapAfterKiB,
					rssPerConnectionKiB(), heapPerConnectionKiB(), openFiles, cpuPercentWhileIdle);
		}
	}

	private static IdleFigures idleOn(MeasuredProcess server, String url, Path tokens, int n, Settings settings) throws Exception {
		// A few hundred connections first, opened and closed, so that what is measured after is the
		// cost of holding connections, not of loading the classes that serve them.
		try (Generators warmUp = Generators.start(1, Math.min(n, 200), url, tokens, Duration.ofSeconds(25))) {
			warmUp.awaitReady(Duration.ofSeconds(120));
		}
		Thread.sleep(2000);
		long heapBefore = server.liveHeapKiB();
		long rssBefore = server.residentKiB();
		long started = System.nanoTime();
		try (Generators fleet = Generators.start(settings.generators(), n, url, tokens, Duration.ofSeconds(25))) {
			boolean ready = fleet.awaitReady(Duration.ofMinutes(5));
			double secondsToOpen = (System.nanoTime() - started) / 1e9;
			// Let heartbeats and presence renewals (every 10 s) run over all of them before measuring.
			double cpuBefore = server.cpuSeconds();
			Thread.sleep(settings.idleSettle().toMillis());
			double cpuPercent = 100 * (server.cpuSeconds() - cpuBefore) / (settings.idleSettle().toMillis() / 1000.0);
			long up = fleet.count("up");
			long closed = fleet.count("closed");
			long held = up - closed; // each close is followed by a new "up" when the client is back
			if (!ready) {
				System.out.println("idle: not every generator reported ready within 5 minutes");
			}
			long heapAfter = server.liveHeapKiB();
			long rssAfter = server.residentKiB();
			// Where the heap goes, for the profile in docs/benchmarks.md.
			Files.writeString(server.log().resolveSibling("idle-histogram-" + server.name() + ".txt"), server.histogram(45));
			return new IdleFigures(server.name(), n, held, rssBefore, rssAfter, heapBefore, heapAfter, server.openFiles(), cpuPercent,
					secondsToOpen, fleet.count("refused"));
		}
	}

	// ---------------------------------------------------------------------------------- fan-out

	private static void fanOut(Settings settings, int port, List<User> users, List<String> lines, List<String> table,
			Map<String, String> charts) {
		ParleyApi api = new ParleyApi(port);
		int members = Math.min(settings.members(), users.size());
		List<User> group = users.subList(0, members);
		List<UUID> conversations = new ArrayList<>();
		for (int g = 0; g < settings.groups(); g++) {
			conversations.add(api.createGroup(group.get(0), "bench " + g, group.subList(1, members).toArray(User[]::new)));
		}
		FanOutLoad.Target parleyTarget = FanOutLoad.parley(port, group, conversations);
		List<FanOutLoad.Result> parleySteps = ladder(parleyTarget, settings, members, settings.groups(), lines);
		FanOutLoad.Result parleyMax = best(parleySteps);
		FanOutLoad.Result parleyHalf = FanOutLoad.run(parleyTarget, members, settings.groups(), settings.senders(),
				parleyMax.acceptedPerSecond() / 2 / settings.senders(), settings.step(), settings.warmUp());
		lines.add(parleyHalf.line() + " (half the highest rate)");

		List<FanOutLoad.Result> bareSteps;
		FanOutLoad.Result bareMax;
		try (BareBroadcastServer bare = new BareBroadcastServer()) {
			// Every baseline client is in one group, as every Parley member is in every group.
			bareSteps = ladder(FanOutLoad.bare(bare.port()), settings, members, 1, lines);
			bareMax = best(bareSteps);
		}
		double ratio = parleyMax.deliveriesPerSecond() / bareMax.deliveriesPerSecond();
		lines.add(String.format(Locale.ROOT,
				"fanout ratio parley/bare highest deliveries/s=%.2f (parley %.0f, bare %.0f) p99 at those rates=%.2fx",
				ratio, parleyMax.deliveriesPerSecond(), bareMax.deliveriesPerSecond(),
				parleyMax.percentileMillis(99) / bareMax.percentileMillis(99)));
		table.add(row("at least 50,000 deliveries per second in fan-out",
				String.format(Locale.ROOT, "%.0f deliveries/s (%.0f messages/s accepted, %d members each)", parleyMax.deliveriesPerSecond(),
						parleyMax.acceptedPerSecond(), members),
				parleyMax.deliveriesPerSecond() >= 50000));
		table.add(row("p99 at or under 50 ms at half the maximum throughput",
				String.format(Locale.ROOT, "p99 %.1f ms at %.0f deliveries/s (p50 %.1f, max %.1f)", parleyHalf.percentileMillis(99),
						parleyHalf.deliveriesPerSecond(), parleyHalf.percentileMillis(50), parleyHalf.percentileMillis(100)),
				parleyHalf.percentileMillis(99) <= 50));
		table.add(row("at least half the bare baseline's deliveries per second",
				String.format(Locale.ROOT, "%.2f of the baseline (%.0f vs %.0f deliveries/s)", ratio, parleyMax.deliveriesPerSecond(),
						bareMax.deliveriesPerSecond()),
				ratio >= 0.5));
		Map<String, List<double[]>> curve = new LinkedHashMap<>();
		curve.put("Parley p99", parleySteps.stream().map(r -> new double[] { r.deliveriesPerSecond(), r.percentileMillis(99) }).toList());
		curve.put("bare Netty p99", bareSteps.stream().map(r -> new double[] { r.deliveriesPerSecond(), r.percentileMillis(99) }).toList());
		charts.put("fanout-latency.svg", SvgChart.lines("Fan-out: p99 latency against deliveries per second", "deliveries per second",
				"p99 latency (ms)", curve));
		Map<String, List<double[]>> throughput = new LinkedHashMap<>();
		throughput.put("Parley", parleySteps.stream().map(r -> new double[] { r.rate() * r.senders() * r.members(), r.deliveriesPerSecond() }).toList());
		throughput.put("bare Netty", bareSteps.stream().map(r -> new double[] { r.rate() * r.senders() * r.members(), r.deliveriesPerSecond() }).toList());
		charts.put("fanout-throughput.svg", SvgChart.lines("Fan-out: deliveries per second, offered against achieved",
				"offered deliveries per second", "achieved deliveries per second", throughput));
	}

	private static List<FanOutLoad.Result> ladder(FanOutLoad.Target target, Settings settings, int members, int groups, List<String> lines) {
		List<FanOutLoad.Result> steps = new ArrayList<>();
		for (int offered : settings.rates()) {
			FanOutLoad.Result step = FanOutLoad.run(target, members, groups, settings.senders(), offered / (double) settings.senders(),
					settings.step(), settings.warmUp());
			lines.add(step.line());
			steps.add(step);
			pause(Duration.ofSeconds(2));
			if (step.acceptedPerSecond() < 0.8 * offered) {
				lines.add(String.format(Locale.ROOT, "fanout target=%s saturated at offered=%d msg/s (accepted %.0f/s): higher steps skipped",
						target.name(), offered, step.acceptedPerSecond()));
				break;
			}
		}
		return steps;
	}

	/** The step with the most deliveries per second. */
	private static FanOutLoad.Result best(List<FanOutLoad.Result> steps) {
		return steps.stream().max(java.util.Comparator.comparingDouble(FanOutLoad.Result::deliveriesPerSecond)).orElseThrow();
	}

	// ----------------------------------------------------------------------------------- typing

	private static void typing(Settings settings, MeasuredProcess parley, int port, ParleyApi api, List<User> users, List<String> lines) {
		int typists = Math.min(settings.typists(), users.size());
		List<UUID> groupOf = new ArrayList<>();
		for (int start = 0; start < typists; start += settings.typingGroup()) {
			List<User> members = users.subList(start, Math.min(typists, start + settings.typingGroup()));
			UUID conversation = api.createGroup(members.get(0), "typing " + start, members.subList(1, members.size()).toArray(User[]::new));
			members.forEach(m -> groupOf.add(conversation));
		}
		List<String> urls = users.subList(0, typists).stream().map(u -> "ws://127.0.0.1:" + port + "/ws?access_token=" + u.token()).toList();
		TypingStormLoad.Result result = TypingStormLoad.run(urls, groupOf, settings.typingGroup(), settings.keysPerSecond(),
				settings.typingTime(), parley::cpuSeconds);
		lines.add(result.line());
	}

	// -------------------------------------------------------------------------------- reconnect

	private static MeasuredProcess reconnectStorm(Settings settings, MeasuredProcess parley, int port, Path tokens, List<String> lines,
			Path out) throws Exception {
		int n = settings.reconnectClients();
		try (Generators fleet = Generators.start(settings.generators(), n, "ws://127.0.0.1:" + port + "/ws?access_token={token}", tokens,
				Duration.ofSeconds(25))) {
			if (!fleet.awaitReady(Duration.ofMinutes(5))) {
				throw new IllegalStateException("the reconnect storm's clients did not all connect");
			}
			long upBefore = fleet.count("up");
			long refusedBefore = fleet.count("refused");
			long failedBefore = fleet.count("failed");
			long restartAt = System.currentTimeMillis();
			parley.stop(Duration.ofSeconds(60)); // SIGTERM: the node drains (readiness down, reconnect hints), then exits
			long stoppedAt = System.currentTimeMillis();
			parley = startParley(settings, port, out.resolve("parley-node-restarted.log"));
			long readyAt = System.currentTimeMillis();
			// Every handshake after the restart began is one to the new node: the draining one refuses them.
			long deadline = System.currentTimeMillis() + Duration.ofMinutes(3).toMillis();
			long allBackAt = -1;
			while (allBackAt < 0 && System.currentTimeMillis() < deadline) {
				long[] back = fleet.events().stream().filter(e -> e.kind().equals("up") && e.epochMillis() >= restartAt)
					.mapToLong(Generators.Event::epochMillis).sorted().toArray();
				if (back.length >= n) {
					allBackAt = back[n - 1];
				}
				else {
					Thread.sleep(200);
				}
			}
			Map<Long, Long> perSecond = new java.util.TreeMap<>();
			fleet.events().stream().filter(e -> e.kind().equals("up") && e.epochMillis() >= restartAt)
				.forEach(e -> perSecond.merge(e.epochMillis() / 1000, 1L, Long::sum));
			long peak = perSecond.values().stream().mapToLong(Long::longValue).max().orElse(0);
			long refused = fleet.count("refused") - refusedBefore;
			long failed = fleet.count("failed") - failedBefore;
			long back = fleet.count("up") - upBefore;
			lines.add(String.format(Locale.ROOT,
					"reconnect clients=%d drain+exit=%.1fs new-node-start=%.1fs all-back=%s after-ready=%s peak-handshakes/s=%d refused(503)=%d failed(no-listener)=%d retries=%d reconnected=%d",
					n, (stoppedAt - restartAt) / 1000.0, (readyAt - stoppedAt) / 1000.0,
					allBackAt < 0 ? "not-within-3min" : String.format(Locale.ROOT, "%.1fs", (allBackAt - restartAt) / 1000.0),
					allBackAt < 0 ? "-" : String.format(Locale.ROOT, "%.1fs", Math.max(0, allBackAt - readyAt) / 1000.0), peak, refused, failed,
					refused + failed, back));
		}
		return parley;
	}

	// ---------------------------------------------------------------------------------- helpers

	static MeasuredProcess startParley(Settings settings, int port, Path log) throws IOException, InterruptedException {
		Map<String, String> env = ParleyJar.environment(LocalEngines.forTests().properties(), port, "parley_bench");
		env.put("PARLEY_MAX_CONNECTIONS", "20000");
		List<String> jvm = List.of("-Xmx" + settings.heap());
		// Abuse limits that would throttle the generator itself, raised (documented in docs/benchmarks.md).
		List<String> arguments = List.of("--parley.realtime.send-limit=1000000", "--parley.realtime.send-limit-period=1s",
				"--parley.identity.login.attempts-per-address=1000000", "--parley.identity.login.attempts-per-account=1000",
				"--parley.identity.access-token-ttl=3h", "--logging.level.root=WARN");
		MeasuredProcess parley = new MeasuredProcess("parley", ParleyJar.start(env, jvm, arguments, log), log);
		WebTestClient http = WebTestClient.bindToServer().baseUrl("http://127.0.0.1:" + port).responseTimeout(Duration.ofSeconds(5)).build();
		long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
		while (System.nanoTime() < deadline) {
			if (!parley.isAlive()) {
				throw new IllegalStateException("Parley exited; its log:\n" + parley.tail(60));
			}
			try {
				if (http.get().uri("/actuator/health/messagePipeline").exchange().returnResult(String.class).getStatus().is2xxSuccessful()) {
					return parley;
				}
			}
			catch (RuntimeException notYet) {
				// not listening yet
			}
			Thread.sleep(250);
		}
		parley.close();
		throw new IllegalStateException("Parley did not become ready in 3 minutes; its log:\n" + parley.tail(60));
	}

	private static void awaitListening(int port) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
		while (System.nanoTime() < deadline) {
			try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
				return;
			}
			catch (IOException notYet) {
				Thread.sleep(100);
			}
		}
		throw new IllegalStateException("the bare server is not listening on " + port);
	}

	private static String machine() {
		Runtime runtime = Runtime.getRuntime();
		String cpu = "unknown CPU";
		try {
			cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name")).findFirst()
				.map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(cpu);
		}
		catch (IOException e) {
			// not Linux
		}
		long memoryKiB = 0;
		try {
			memoryKiB = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal")).findFirst()
				.map(l -> Long.parseLong(l.replaceAll("[^0-9]", ""))).orElse(0L);
		}
		catch (IOException e) {
			// not Linux
		}
		return String.format(Locale.ROOT, "machine cores=%d cpu=\"%s\" memory=%.1f GiB java=%s os=\"%s %s\"", runtime.availableProcessors(), cpu,
				memoryKiB / 1024.0 / 1024.0, System.getProperty("java.version"), System.getProperty("os.name"), System.getProperty("os.version"));
	}

	private static String row(String target, String measured, boolean met) {
		return "| " + target + " | " + measured + " | " + (met ? "met" : "not met") + " |";
	}

	private static double round(double value) {
		return Math.round(value * 10) / 10.0;
	}

	/** Waits, keeping an interrupt for the caller. */
	static void pause(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
		}
	}
}
