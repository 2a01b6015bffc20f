package io.parley.dev;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

/**
 * A single-node Kafka 4 in KRaft mode (broker and controller in one), running inside this JVM.
 * It dies with the JVM, so there is nothing stale to clean up; an unclean stop only costs a log
 * recovery at the next start.
 */
final class LocalKafka implements Engine {

	static final String NAME = "kafka";

	private final KafkaRaftServer server;

	private final int port;

	private LocalKafka(KafkaRaftServer server, int port) {
		this.server = server;
		this.port = port;
	}

	static LocalKafka start(EngineSettings settings) throws Exception {
		Path logDir = settings.dir(NAME);
		Files.createDirectories(logDir);
		int port = settings.ports().kafka();
		int controllerPort = settings.ports().kafkaController();
		Properties props = new Properties();
		props.put("process.roles", "broker,controller");
		props.put("node.id", "1");
		props.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
		props.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
		props.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
		props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
		props.put("controller.listener.names", "CONTROLLER");
		props.put("inter.broker.listener.name", "PLAINTEXT");
		props.put("log.dirs", logDir.toString());
		props.put("num.partitions", "4");
		// One broker: every replication factor and min ISR is 1.
		props.put("default.replication.factor", "1");
		props.put("min.insync.replicas", "1");
		props.put("offsets.topic.replication.factor", "1");
		props.put("transaction.state.log.replication.factor", "1");
		props.put("transaction.state.log.min.isr", "1");
		props.put("share.coordinator.state.topic.replication.factor", "1");
		props.put("share.coordinator.state.topic.min.isr", "1");
		// Small internal topics instead of 50 partitions each: fewer files, faster first use.
		props.put("offsets.topic.num.partitions", "4");
		props.put("transaction.state.log.num.partitions", "4");
		// Consumers join at once instead of waiting 3 s for more members.
		props.put("group.initial.rebalance.delay.ms", "0");
		// After an unclean stop the old registration expires in 3 s, not 9 s.
		props.put("broker.session.timeout.ms", "3000");
		props.put("broker.heartbeat.interval.ms", "1000");
		// Frugal on two cores and in a shared heap (the cleaner's buffer defaults to 128 MiB).
		props.put("num.network.threads", "2");
		props.put("num.io.threads", "2");
		props.put("background.threads", "2");
		props.put("num.recovery.threads.per.data.dir", "1");
		props.put("log.cleaner.threads", "1");
		props.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));

		// Format only a fresh folder: formatting again would lose the cluster id and the data.
		if (!Files.exists(logDir.resolve("meta.properties"))) {
			new Formatter().setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
				.setClusterId(Uuid.randomUuid().toString())
				.setNodeId(1)
				.setDirectories(List.of(logDir.toString()))
				.setMetadataLogDirectory(logDir.toString())
				.setControllerListenerName("CONTROLLER")
				.setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
				.run();
		}
		Runnable unmute = EngineLogging.muteWhile("org.apache.kafka.common.config.AbstractConfig");
		KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
		try {
			// Returns once the broker is registered with the controller and unfenced.
			server.startup();
		}
		catch (RuntimeException ex) {
			server.shutdown();
			throw ex;
		}
		finally {
			unmute.run();
		}
		return new LocalKafka(server, port);
	}

	@Override
	public String name() {
		return NAME;
	}

	@Override
	public int port() {
		return this.port;
	}

	@Override
	public Map<String, String> properties() {
		return Map.of("spring.kafka.bootstrap-servers", address());
	}

	@Override
	public List<Child> children() {
		return List.of();
	}

	@Override
	public void stop() {
		this.server.shutdown();
		this.server.awaitShutdown();
	}

}
