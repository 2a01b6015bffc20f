package io.parley;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.modulith.core.ApplicationModule;
import org.springframework.modulith.core.ApplicationModules;
import org.springframework.modulith.docs.Documenter;

/**
 * Parley is one application made of modules that only meet through each other's public API and
 * events. This test fails on a dependency cycle or on any use of another module's internals, and
 * writes the module diagrams that docs/architecture.md shows.
 */
class ModularityTests {

	static final ApplicationModules modules = ApplicationModules.of(ParleyApplication.class);

	@Test
	void modulesRespectEachOthersBoundaries() {
		modules.verify();
	}

	@Test
	void theSixModulesAndTheSharedKernelAreDetected() {
		assertThat(modules.stream().map(module -> module.getBasePackage().getName()))
			.containsExactlyInAnyOrder("io.parley.identity", "io.parley.groups", "io.parley.realtime", "io.parley.presence",
					"io.parley.history", "io.parley.notifications", "io.parley.shared");
	}

	@Test
	void writesModuleDiagrams() {
		new Documenter(modules).writeModulesAsPlantUml().writeIndividualModulesAsPlantUml();
	}
}
