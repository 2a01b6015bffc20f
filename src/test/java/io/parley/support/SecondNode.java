package io.parley.support;

import java.util.LinkedHashMap;
import java.util.Map;

import io.parley.ParleyApplication;
import io.parley.dev.LocalEngines;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * Another Parley node in the same test JVM: its own application context, web server, Kafka
 * consumers and connections, sharing only the engines with the node that
 * {@link io.parley.dev.ParleyIntegrationTest} started, exactly as two processes would.
 */
public final class SecondNode implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private SecondNode(ConfigurableApplicationContext context) {
		this.context = context;
	}

	public static SecondNode start(Map<String, Object> extraProperties) {
		return start(extraProperties, new org.springframework.context.ApplicationListener<?>[0]);
	}

	/** With listeners added to the application, as the local launcher adds its own. */
	public static SecondNode start(Map<String, Object> extraProperties, org.springframework.context.ApplicationListener<?>... listeners) {
		Map<String, Object> properties = new LinkedHashMap<>(LocalEngines.forTests().properties());
		properties.put("server.port", 0);
		properties.put("parley.notifications.webhook.url", PushReceiver.shared().url());
		properties.putAll(extraProperties);
		// Highest precedence, as LocalEnginesInitializer does for node 1: application.yml must not win.
		SpringApplication application = new SpringApplicationBuilder(ParleyApplication.class).profiles("test")
			.listeners(listeners)
			.initializers(context -> context.getEnvironment()
				.getPropertySources()
				.addFirst(new MapPropertySource("secondNode", properties)))
			// Its own Netty event loops: closing this node must not shut down the JVM-wide ones that
			// node 1 and the test clients use (as two processes would not share them either).
			.initializers(context -> ((org.springframework.context.support.GenericApplicationContext) context)
				.registerBean(org.springframework.http.client.ReactorResourceFactory.class, () -> {
					var resources = new org.springframework.http.client.ReactorResourceFactory();
					resources.setUseGlobalResources(false);
					return resources;
				}))
			.build();
		return new SecondNode(application.run());
	}

	public static SecondNode start() {
		return start(Map.of());
	}

	public int port() {
		return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
	}

	public ParleyApi api() {
		return new ParleyApi(port());
	}

	public ConfigurableApplicationContext context() {
		return context;
	}

	@Override
	public void close() {
		context.close();
	}
}
