package io.parley.history.internal;

import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.stereotype.Component;

/** Spring Boot has no Kafka health indicator: this one asks the cluster to describe itself. */
@Component("kafka")
class KafkaHealth implements HealthIndicator, DisposableBean {

	private final AdminClient admin;

	KafkaHealth(KafkaAdmin kafkaAdmin) {
		this.admin = AdminClient.create(kafkaAdmin.getConfigurationProperties());
	}

	@Override
	public Health health() {
		try {
			DescribeClusterResult cluster = admin.describeCluster(new DescribeClusterOptions().timeoutMs(3_000));
			int brokers = cluster.nodes().get(3, TimeUnit.SECONDS).size();
			return Health.up()
				.withDetail("clusterId", cluster.clusterId().get(3, TimeUnit.SECONDS))
				.withDetail("brokers", brokers)
				.build();
		}
		catch (InterruptedException e) {
			Thread.currentThread().interrupt();
			return Health.down(e).build();
		}
		catch (Exception e) {
			return Health.down(e).build();
		}
	}

	@Override
	public void destroy() {
		admin.close();
	}
}
