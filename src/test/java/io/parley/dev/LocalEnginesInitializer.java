package io.parley.dev;

import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;

/**
 * Points an integration test's application context at the test JVM's local engines
 * ({@link LocalEngines#forTests()}, started on first use), through a property source that takes
 * precedence over every other. Used through {@link ParleyIntegrationTest}.
 */
public class LocalEnginesInitializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {

	public static final String PROPERTY_SOURCE_NAME = "parleyLocalEngines";

	@Override
	public void initialize(ConfigurableApplicationContext context) {
		MutablePropertySources sources = context.getEnvironment().getPropertySources();
		if (!sources.contains(PROPERTY_SOURCE_NAME)) {
			java.util.Map<String, Object> properties = new java.util.HashMap<>(LocalEngines.forTests().properties());
			// Every node of the test JVM pushes to one real HTTP receiver (tests tell theirs apart by device token).
			properties.put("parley.notifications.webhook.url", io.parley.support.PushReceiver.shared().url());
			sources.addFirst(new MapPropertySource(PROPERTY_SOURCE_NAME, properties));
		}
	}

}
