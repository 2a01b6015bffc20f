package io.parley.shared;

import java.time.Duration;

import org.springframework.http.HttpStatus;

/** A caller went over a rate limit: answered with 429 and a {@code Retry-After} header (whole seconds, at least 1). */
public class TooManyRequests extends ParleyException {

	private final Duration retryAfter;

	public TooManyRequests(String code, String detail, Duration retryAfter) {
		super(HttpStatus.TOO_MANY_REQUESTS, code, "Too many requests", detail);
		this.retryAfter = retryAfter;
	}

	public Duration retryAfter() {
		return retryAfter;
	}

	/** The {@code Retry-After} value: whole seconds, rounded up, at least 1. */
	public long retryAfterSeconds() {
		long millis = Math.max(1, retryAfter.toMillis());
		return Math.max(1, (millis + 999) / 1000);
	}
}
