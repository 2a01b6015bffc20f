package io.parley;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.parley.dev.ParleyIntegrationTest;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Runs the Postman collection (postman/parley.postman_collection.json) with newman against a
 * real Parley booted on a random port, and fails on any failed assertion.
 *
 * <p>newman is installed into postman/node_modules from the committed package-lock.json by this
 * test itself ({@code npm ci}) when it is missing, so only the test run needs Node.js, not the
 * command that starts Parley.
 */
@ParleyIntegrationTest
class PostmanCollectionTests {

    private static final Path POSTMAN = Path.of("postman");
    private static final Path NEWMAN = POSTMAN.resolve("node_modules/.bin/newman");
    private static final Path COLLECTION = POSTMAN.resolve("parley.postman_collection.json");
    private static final Path ENVIRONMENT = POSTMAN.resolve("parley.postman_environment.json");
    private static final Path REPORT = Path.of("target/newman/report.json");
    private static final long TIMEOUT_MINUTES = 3;

    private final JsonMapper json = JsonMapper.builder().build();

    @LocalServerPort
    int port;

    /** npm ci in postman/: exactly the versions in package-lock.json. Needs Node.js and npm on the PATH. */
    private static void installNewman() throws Exception {
        Process npm;
        try {
            npm = new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund").directory(POSTMAN.toFile())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.INHERIT).start();
        }
        catch (java.io.IOException e) {
            fail("The Postman run needs Node.js and npm on the PATH to install newman (npm ci in postman/): " + e.getMessage());
            return;
        }
        if (!npm.waitFor(5, java.util.concurrent.TimeUnit.MINUTES) || npm.exitValue() != 0) {
            npm.destroyForcibly();
            fail("npm ci in postman/ failed: newman could not be installed");
        }
        assertThat(NEWMAN).as("newman after npm ci").isExecutable();
    }

    @Test
    void collectionPassesAgainstRunningServer() throws Exception {
        if (!Files.isExecutable(NEWMAN)) {
            installNewman();
        }
        Files.deleteIfExists(REPORT);
        Files.createDirectories(REPORT.getParent());

        List<String> command = List.of(NEWMAN.toString(), "run", COLLECTION.toString(),
                "-e", ENVIRONMENT.toString(),
                "--env-var", "baseUrl=http://localhost:" + port,
                "--reporters", "cli,json",
                "--reporter-json-export", REPORT.toString(),
                "--color", "off");
        // Not inheritIO(): output written straight to the forked JVM's stdout corrupts Surefire's channel.
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        Thread echo = new Thread(() -> copyLines(process), "newman-output");
        echo.setDaemon(true);
        echo.start();
        if (!process.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            fail("newman did not finish within " + TIMEOUT_MINUTES + " minutes");
        }
        echo.join(TimeUnit.SECONDS.toMillis(10));
        int exitCode = process.exitValue();

        assertThat(REPORT).as("newman JSON report").exists();
        JsonNode run = json.readTree(REPORT.toFile()).path("run");
        List<String> failures = failures(run);
        assertThat(failures).as("failed newman assertions").isEmpty();
        assertThat(exitCode).as("newman exit code").isZero();

        JsonNode assertions = run.path("stats").path("assertions");
        assertThat(assertions.path("total").asInt()).as("assertions run").isGreaterThan(30);
        assertThat(assertions.path("failed").asInt()).as("assertions failed").isZero();

        int requestsInCollection = countRequests(json.readTree(COLLECTION.toFile()).path("item"));
        assertThat(run.path("stats").path("requests").path("total").asInt())
                .as("requests executed").isEqualTo(requestsInCollection);
        assertThat(run.path("stats").path("requests").path("failed").asInt())
                .as("requests that could not be sent").isZero();
    }

    private static void copyLines(Process process) {
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            reader.lines().forEach(System.out::println);
        }
        catch (IOException e) {
            System.out.println("[newman output stopped: " + e + "]");
        }
    }

    /** Requests are items with a "request"; folders nest further items. */
    private static int countRequests(JsonNode items) {
        int count = 0;
        for (JsonNode item : items) {
            count += item.has("request") ? 1 : countRequests(item.path("item"));
        }
        return count;
    }

    private static List<String> failures(JsonNode run) {
        List<String> failures = new ArrayList<>();
        for (JsonNode failure : run.path("failures")) {
            failures.add(failure.path("source").path("name").asString() + ": "
                    + failure.path("error").path("test").asString() + " -> "
                    + failure.path("error").path("message").asString());
        }
        return failures;
    }
}
