package io.parley.identity;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Login throttling ({@code parley.identity.login.*}): every attempt, right or wrong, takes a permit
 * from the account's bucket and from the client address's bucket; an attempt that finds either empty
 * is answered 429 {@code too_many_attempts} with {@code Retry-After}, without looking at the password.
 * The buckets live in each node's memory: a cluster of N nodes behind a round-robin balancer allows
 * up to N times these numbers.
 *
 * @param attemptsPerAccount attempts on one username (regardless of case) per {@code window}
 * @param attemptsPerAddress attempts from one client address per {@code window}
 * @param window the period in which the permits refill
 */
@ConfigurationProperties("parley.identity.login")
public record LoginSettings(@DefaultValue("10") int attemptsPerAccount, @DefaultValue("60") int attemptsPerAddress,
		@DefaultValue("1m") Duration window) {
}
