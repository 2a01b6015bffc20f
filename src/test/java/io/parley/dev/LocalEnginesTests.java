package io.parley.dev;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.config.DefaultDriverOption;
import com.datastax.oss.driver.api.core.config.DriverConfigLoader;
import com.datastax.oss.driver.api.core.cql.Row;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Talks to each of the four local engines with a plain client, through the properties they
 * publish. The engines are shared with the integration tests of the same JVM, so nothing is left
 * behind that the application could trip over.
 */
class LocalEnginesTests {

	private static Map<String, Object> properties;

	@BeforeAll
	static void startEngines() {
		properties = LocalEngines.forTests().properties();
	}

	@Test
	void publishesTheSpringPropertiesOfAllFourEngines() {
		assertThat(properties).containsOnlyKeys("spring.datasource.url", "spring.datasource.username",
				"spring.datasource.password", "spring.data.redis.host", "spring.data.redis.port",
				"spring.kafka.bootstrap-servers", "spring.cassandra.contact-points", "spring.cassandra.local-datacenter");
		assertThat(property("spring.datasource.url")).matches("jdbc:postgresql://127\\.0\\.0\\.1:\\d+/postgres");
		assertThat(property("spring.datasource.username")).isEqualTo("postgres");
		assertThat(property("spring.datasource.password")).isEmpty();
		assertThat(property("spring.data.redis.host")).isEqualTo("127.0.0.1");
		assertThat(property("spring.kafka.bootstrap-servers")).matches("127\\.0\\.0\\.1:\\d+");
		assertThat(property("spring.cassandra.contact-points")).matches("127\\.0\\.0\\.1:\\d+");
		assertThat(property("spring.cassandra.local-datacenter")).isEqualTo("datacenter1");
		// target/test-engines, or target/test-engines-<pid> while another test JVM holds that one.
		Path dataDir = LocalEngines.forTests().settings().dataDir();
		assertThat(dataDir.getParent()).endsWith(Path.of("target"));
		assertThat(dataDir.getFileName().toString()).startsWith("test-engines");
	}

	@Test
	void postgresRunsSqlAndSyncsToDisk() throws SQLException {
		try (Connection connection = DriverManager.getConnection(property("spring.datasource.url"),
				property("spring.datasource.username"), property("spring.datasource.password"));
				Statement statement = connection.createStatement()) {
			assertThat(single(statement, "select 1")).isEqualTo("1");
			assertThat(single(statement, "show fsync")).isEqualTo("on");
			assertThat(single(statement, "show server_version")).startsWith("18.");
			// Temporary: the engines are shared by the whole test JVM, and the application's Flyway
			// migrations expect an empty public schema.
			statement.execute("create temporary table engines_check (id int primary key, name text not null)");
			statement.execute("insert into engines_check values (1, 'Grüezi'), (2, 'parley')");
			assertThat(single(statement, "select name from engines_check where id = 1")).isEqualTo("Grüezi");
			// Unicode-aware case mapping (builtin C.UTF-8 provider), whatever the host's locale.
			assertThat(single(statement, "select upper(name) from engines_check where id = 1")).isEqualTo("GRÜEZI");
			assertThat(single(statement, "select count(*) from engines_check")).isEqualTo("2");
		}
	}

	@Test
	void redisStoresAValueWithATimeToLive() {
		RedisClient client = RedisClient.create(RedisURI.create(property("spring.data.redis.host"),
				Integer.parseInt(property("spring.data.redis.port"))));
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			RedisCommands<String, String> redis = connection.sync();
			assertThat(redis.setex("engines:check", 60, "hello")).isEqualTo("OK");
			assertThat(redis.get("engines:check")).isEqualTo("hello");
			assertThat(redis.ttl("engines:check")).isBetween(1L, 60L);
			assertThat(redis.configGet("appendonly")).containsEntry("appendonly", "yes");
			assertThat(redis.del("engines:check")).isEqualTo(1);
		}
		finally {
			client.shutdown();
		}
	}

	@Test
	void kafkaDeliversARecord() throws Exception {
		String servers = property("spring.kafka.bootstrap-servers");
		String topic = "engines-check";
		try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, servers))) {
			admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
		}
		Properties producerConfig = new Properties();
		producerConfig.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
		producerConfig.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		producerConfig.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
		try (KafkaProducer<String, String> producer = new KafkaProducer<>(producerConfig)) {
			RecordMetadata sent = producer.send(new ProducerRecord<>(topic, "key", "hello kafka")).get();
			assertThat(sent.offset()).isZero();
		}
		Properties consumerConfig = new Properties();
		consumerConfig.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, servers);
		consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "engines-check");
		consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
		consumerConfig.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
		consumerConfig.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
		List<ConsumerRecord<String, String>> received = new ArrayList<>();
		try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(consumerConfig)) {
			consumer.subscribe(Set.of(topic));
			long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
			while (received.isEmpty() && System.nanoTime() < deadline) {
				consumer.poll(Duration.ofMillis(500)).forEach(received::add);
			}
			consumer.commitSync();
			assertThat(consumer.committed(Set.of(new TopicPartition(topic, 0))).get(new TopicPartition(topic, 0)).offset())
				.isEqualTo(1);
		}
		assertThat(received).singleElement().satisfies((record) -> {
			assertThat(record.key()).isEqualTo("key");
			assertThat(record.value()).isEqualTo("hello kafka");
		});
	}

	@Test
	void cassandraStoresAndReadsARow() {
		String[] contactPoint = property("spring.cassandra.contact-points").split(":");
		try (CqlSession session = CqlSession.builder()
			.addContactPoint(new InetSocketAddress(contactPoint[0], Integer.parseInt(contactPoint[1])))
			.withLocalDatacenter(property("spring.cassandra.local-datacenter"))
			// Schema changes wait for agreement; on a busy 2-core machine they outlast the driver's 2 s default.
			.withConfigLoader(DriverConfigLoader.programmaticBuilder()
				.withDuration(DefaultDriverOption.REQUEST_TIMEOUT, Duration.ofSeconds(30))
				.build())
			.build()) {
			session.execute("CREATE KEYSPACE IF NOT EXISTS engines_check "
					+ "WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
			session.execute("CREATE TABLE IF NOT EXISTS engines_check.messages "
					+ "(channel text, id timeuuid, body text, PRIMARY KEY (channel, id)) WITH CLUSTERING ORDER BY (id DESC)");
			session.execute("INSERT INTO engines_check.messages (channel, id, body) VALUES ('general', now(), 'first')");
			session.execute("INSERT INTO engines_check.messages (channel, id, body) VALUES ('general', now(), 'second')");
			List<Row> rows = session.execute("SELECT body FROM engines_check.messages WHERE channel = 'general'").all();
			assertThat(rows).extracting((row) -> row.getString("body")).containsExactly("second", "first");
			Row local = session.execute("SELECT release_version FROM system.local").one();
			assertThat(local).isNotNull();
			assertThat(local.getString("release_version")).isEqualTo(CassandraRuntime.VERSION);
			session.execute("DROP KEYSPACE engines_check");
		}
	}

	private static String property(String key) {
		return String.valueOf(properties.get(key));
	}

	private static String single(Statement statement, String sql) throws SQLException {
		try (ResultSet result = statement.executeQuery(sql)) {
			assertThat(result.next()).isTrue();
			return result.getString(1);
		}
	}

}
