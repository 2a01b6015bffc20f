package io.parley.realtime.internal;

import java.time.Duration;
import java.util.UUID;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterConfig;
import io.github.resilience4j.ratelimiter.internal.AtomicRateLimiter;
import io.parley.realtime.RealtimeGuardSettings;

import org.springframework.stereotype.Component;

/**
 * Per-user limit on submissions ({@code send}, {@code edit}, {@code delete}) on this node, over all of
 * the user's connections: a Resilience4j rate limiter per user, {@code send-limit} permits per
 * {@code send-limit-period}. A refused submission is answered {@code rate_limited} with
 * {@code retryAfterMs}; nothing is stored, and the client resends it with the same
 * {@code clientMessageId} after the wait. Limiters of users idle for two periods are dropped.
 */
@Component
class SendRateLimit {

	private final RateLimiterConfig config;
	private final Duration period;
	private final Cache<UUID, RateLimiter> limiters;

	SendRateLimit(RealtimeGuardSettings settings) {
		this.period = settings.sendLimitPeriod();
		this.config = RateLimiterConfig.custom()
			.limitForPeriod(settings.sendLimit())
			.limitRefreshPeriod(period)
			.timeoutDuration(Duration.ZERO)
			.build();
		this.limiters = Caffeine.newBuilder().expireAfterAccess(period.multipliedBy(2)).build();
	}

	/** Takes a permit: 0 if allowed, otherwise how many milliseconds to wait (at least 1). */
	long acquire(UUID userId) {
		RateLimiter limiter = limiters.get(userId, id -> RateLimiter.of("sends:" + id, config));
		if (limiter.acquirePermission()) {
			return 0;
		}
		long nanos = limiter.getMetrics() instanceof AtomicRateLimiter.AtomicRateLimiterMetrics detailed ? detailed.getNanosToWait()
				: period.toNanos();
		return Math.max(1, Duration.ofNanos(nanos > 0 ? nanos : period.toNanos()).toMillis());
	}
}
