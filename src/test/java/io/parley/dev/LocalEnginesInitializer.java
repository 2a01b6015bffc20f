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
			sources.addFirst(new MapPropertySource(PROPERTY_SOURCE_NAME, LocalEngines.forTests().properties()));
		}
	}

}
