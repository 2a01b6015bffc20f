package io.parley.identity.internal;

import java.time.Duration;
import java.util.Locale;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.parley.identity.LoginSettings;
import io.parley.shared.TooManyRequests;

import org.springframework.stereotype.Component;

/**
 * Login throttling per account and per client address (Resilience4j rate limiters, one per key).
 * Each attempt takes a permit from both; when either has none left the attempt is refused before the
 * password is looked at. Limiters of keys not seen for a while are dropped, so random usernames or
 * addresses cannot grow memory without bound.
 */
@Component
public class LoginThrottle {

	private final LoginSettings settings;
	private final RateLimiterConfig perAccount;
	private final RateLimiterConfig perAddress;
	private final Cache<String, RateLimiter> limiters;

	LoginThrottle(LoginSettings settings) {
		this.settings = settings;
		this.perAccount = config(settings.attemptsPerAccount(), settings.window());
		this.perAddress = config(settings.attemptsPerAddress(), settings.window());
		this.limiters = Caffeine.newBuilder().expireAfterAccess(settings.window().multipliedBy(2)).maximumSize(1_000_000).build();
	}

	private static RateLimiterConfig config(int limit, Duration window) {
		return RateLimiterConfig.custom().limitForPeriod(limit).limitRefreshPeriod(window).timeoutDuration(Duration.ZERO).build();
	}

	/** Takes a permit for this account and this address, or throws 429 {@code too_many_attempts}. */
	public void attempt(String username, String address) {
		RateLimiter account = limiters.get("account:" + username.toLowerCase(Locale.ROOT),
				key -> RateLimiter.of(key, perAccount));
		RateLimiter from = limiters.get("address:" + address, key -> RateLimiter.of(key, perAddress));
		// Both are asked, each once: an attempt against many accounts from one address still counts
		// against that address.
		boolean accountAllowed = account.acquirePermission();
		boolean addressAllowed = from.acquirePermission();
		if (!accountAllowed || !addressAllowed) {
			long waitNanos = Math.max(wait(accountAllowed ? null : account), wait(addressAllowed ? null : from));
			throw new TooManyRequests("too_many_attempts",
					"Too many login attempts for this account or from this address; retry later",
					Duration.ofNanos(Math.max(waitNanos, 1_000_000)));
		}
	}

	private long wait(RateLimiter limiter) {
		if (limiter == null) {
			return 0;
		}
		long nanos = limiter.getMetrics() instanceof io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter.AtomicRateLimiterMetrics detailed
				? detailed.getNanosToWait()
				: settings.window().toNanos();
		return nanos > 0 ? nanos : settings.window().toNanos();
	}
}
