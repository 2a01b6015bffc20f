package io.parley.support;

import static org.springframework.security.test.web.reactive.server.SecurityMockServerConfigurers.mockUser;
import static org.springframework.security.test.web.reactive.server.SecurityMockServerConfigurers.springSecurity;

import java.util.Arrays;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.context.ApplicationContext;
import org.springframework.test.web.reactive.server.WebTestClient;

/**
 * Scrapes a node's {@code /actuator/prometheus} through its real WebFlux and security filter chain,
 * as an admin (a mocked authentication with role ADMIN, the role the ids in parley.identity.admins get), and reads
 * samples out of the text format.
 */
public final class Prometheus {

	private final String text;

	private Prometheus(String text) {
		this.text = text;
	}

	public static Prometheus scrape(ApplicationContext node) {
		String body = WebTestClient.bindToApplicationContext(node)
			.apply(springSecurity())
			.configureClient()
			.codecs(codecs -> codecs.defaultCodecs().maxInMemorySize(16 * 1024 * 1024)) // a whole scrape, however many series
			.build()
			.mutateWith(mockUser("ops").roles("ADMIN"))
			.get()
			.uri("/actuator/prometheus")
			.exchange()
			.expectStatus()
			.isOk()
			.expectBody(String.class)
			.returnResult()
			.getResponseBody();
		return new Prometheus(body);
	}

	public String text() {
		return text;
	}

	/** Whether any sample of this metric (a name as Prometheus writes it, e.g. {@code parley_connections}) is present. */
	public boolean has(String name) {
		return Pattern.compile("(?m)^" + Pattern.quote(name) + "[{ ]").matcher(text).find();
	}

	/**
	 * The sum of the samples of this metric whose labels include all the given ones ("key", "value",
	 * ...); 0 when there is none.
	 */
	public double value(String name, String... labels) {
		Map<String, String> wanted = new java.util.HashMap<>();
		for (int i = 0; i + 1 < labels.length; i += 2) {
			wanted.put(labels[i], labels[i + 1]);
		}
		double sum = 0;
		Matcher line = Pattern.compile("(?m)^" + Pattern.quote(name) + "(\\{([^}]*)\\})? ([^ \\n]+)").matcher(text);
		while (line.find()) {
			Map<String, String> found = new java.util.HashMap<>();
			if (line.group(2) != null) {
				Matcher label = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"").matcher(line.group(2));
				while (label.find()) {
					found.put(label.group(1), label.group(2));
				}
			}
			if (found.entrySet().containsAll(wanted.entrySet())) {
				sum += Double.parseDouble(line.group(3));
			}
		}
		return sum;
	}

	@Override
	public String toString() {
		return Arrays.stream(text.split("\n")).filter(l -> l.startsWith("parley_")).reduce("", (a, b) -> a + b + "\n");
	}
}
