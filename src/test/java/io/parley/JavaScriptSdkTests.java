package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The SDK's state machines (typing, backoff, heartbeat, transport ladder, timeline, the client's
 * reconnect and resume) are unit-tested in JavaScript with a fake clock, in {@code src/test/js}. This
 * runs them as part of the test command with the project's own npm setup ({@code npm test} there:
 * Node's built-in test runner, no packages to install), and fails with their report if any fails.
 */
class JavaScriptSdkTests {

	private static final Path SDK_TESTS = Path.of("src/test/js");

	@Test
	void theSdkUnitTestsPassInNode() throws Exception {
		Process npm;
		try {
			npm = new ProcessBuilder("npm", "test").directory(SDK_TESTS.toFile()).redirectErrorStream(true).start();
		}
		catch (IOException e) {
			fail("The SDK tests need Node.js (18 or newer) and npm on the PATH: " + e.getMessage());
			return;
		}
		String report = new String(npm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!npm.waitFor(2, TimeUnit.MINUTES)) {
			npm.destroyForcibly();
			fail("The SDK tests did not finish in 2 minutes:\n" + report);
		}
		System.out.println(report);
		assertThat(npm.exitValue()).as("npm test in src/test/js:\n%s", report).isZero();
		assertThat(count(report, "pass")).as("tests that passed").isGreaterThanOrEqualTo(20);
		assertThat(count(report, "fail")).as("tests that failed").isZero();
	}

	private static int count(String report, String what) {
		Matcher m = Pattern.compile("^ℹ " + what + " (\\d+)$", Pattern.MULTILINE).matcher(report);
		assertThat(m.find()).as("the runner's summary names '%s'", what).isTrue();
		return Integer.parseInt(m.group(1));
	}
}
