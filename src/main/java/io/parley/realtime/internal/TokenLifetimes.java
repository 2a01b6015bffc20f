package io.parley.realtime.internal;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import io.parley.identity.SignedOut;
import io.parley.presence.Presence;
import io.parley.realtime.RealtimeGuardSettings;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.event.EventListener;
import org.springframework.data.redis.core.ReactiveStringRedisTemplate;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.ReactiveRedisMessageListenerContainer;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.ReactiveJwtDecoder;
import org.springframework.stereotype.Component;
import org.springframework.web.reactive.socket.CloseStatus;

import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * A live connection lives no longer than the access token it was authenticated with (fault B15).
 * Before the token expires the connection is sent {@code reauthenticate}; an {@code auth} frame with a
 * fresh token of the same user extends it. At expiry, a connection that did not renew is closed with
 * {@link #EXPIRED} (4001): nothing more is delivered on a stale token. A logout or a revoked login
 * ({@link SignedOut}) closes the connections of that login on every node with {@link #SIGNED_OUT}
 * (4002), through Redis pub/sub ({@code parley:signouts}).
 */
@Component
class TokenLifetimes implements SmartLifecycle {

	/** The access token expired and no fresh one came: refresh the token, then reconnect with your cursors. */
	static final CloseStatus EXPIRED = new CloseStatus(4001, "access token expired: refresh it and reconnect");

	/** The login ended (logout, or its refresh token was reused): log in again. */
	static final CloseStatus SIGNED_OUT = new CloseStatus(4002, "signed out: log in again");

	static final String CHANNEL = "parley:signouts";

	private static final Logger log = LoggerFactory.getLogger(TokenLifetimes.class);

	/** What one connection is authenticated by, and its timer. */
	private static final class Watch {

		final Connection connection;
		volatile UUID loginId;
		volatile Instant expiresAt;
		volatile Disposable timer = reactor.core.Disposables.disposed();

		Watch(Connection connection) {
			this.connection = connection;
		}
	}

	private final Map<String, Watch> watches = new ConcurrentHashMap<>();
	private final ReactiveJwtDecoder decoder;
	private final RealtimeGuardSettings settings;
	private final Clock clock;
	private final ReactiveStringRedisTemplate redis;
	private final ReactiveRedisMessageListenerContainer listeners;
	private final JsonMapper json;
	private final Presence presence;
	private volatile Disposable subscription;

	TokenLifetimes(ReactiveJwtDecoder decoder, RealtimeGuardSettings settings, Clock clock, ReactiveStringRedisTemplate redis,
			ReactiveRedisMessageListenerContainer listeners, JsonMapper json, Presence presence) {
		this.presence = presence;
		this.decoder = decoder;
		this.settings = settings;
		this.clock = clock;
		this.redis = redis;
		this.listeners = listeners;
		this.json = json;
	}

	/** Starts watching a new connection's token. */
	void watch(Connection connection, Jwt token) {
		Watch watch = new Watch(connection);
		watches.put(connection.id(), watch);
		extend(watch, token);
	}

	/** The connection ended: nothing to watch any more. */
	void forget(Connection connection) {
		Watch watch = watches.remove(connection.id());
		if (watch != null) {
			watch.timer.dispose();
		}
	}

	/**
	 * An {@code auth} frame: a valid, unexpired token of the connection's own user extends it
	 * ({@code authenticated}); anything else is refused with {@code invalid_token} and the connection
	 * keeps its current deadline.
	 */
	Mono<Void> renew(Connection connection, String token, String ref) {
		Watch watch = watches.get(connection.id());
		if (watch == null) {
			return Mono.empty();
		}
		return decoder.decode(token).doOnNext(jwt -> {
			Instant now = Instant.now(clock);
			if (!connection.userId().toString().equals(jwt.getSubject()) || jwt.getExpiresAt() == null
					|| !jwt.getExpiresAt().isAfter(now)) {
				connection.send(new ServerFrame.Error("invalid_token",
						"The token is expired or belongs to someone else; this connection still ends at " + watch.expiresAt, ref));
				return;
			}
			extend(watch, jwt);
			connection.send(new ServerFrame.Authenticated(jwt.getExpiresAt(), ref));
		}).onErrorResume(e -> {
			connection.send(new ServerFrame.Error("invalid_token", "The token is not valid; this connection still ends at "
					+ watch.expiresAt, ref));
			return Mono.empty();
		}).then();
	}

	private void extend(Watch watch, Jwt token) {
		Instant expiresAt = token.getExpiresAt() != null ? token.getExpiresAt() : Instant.now(clock);
		watch.loginId = loginOf(token);
		watch.expiresAt = expiresAt;
		watch.timer.dispose();
		Instant now = Instant.now(clock);
		Duration remaining = Duration.between(now, expiresAt);
		Duration lead = settings.reauthenticateBefore().compareTo(remaining.dividedBy(2)) < 0 ? settings.reauthenticateBefore()
				: remaining.dividedBy(2);
		Duration untilAsk = positive(remaining.minus(lead));
		watch.timer = Mono.delay(untilAsk)
			.doOnNext(tick -> watch.connection.send(new ServerFrame.Reauthenticate(expiresAt)))
			.then(Mono.delay(positive(Duration.between(Instant.now(clock), expiresAt))))
			.subscribe(tick -> {
				if (expiresAt.equals(watch.expiresAt)) {
					log.debug("Closing connection {} of user {}: its access token expired", watch.connection.id(),
							watch.connection.userId());
					// Close first (an SSE stream writes its close event when the queue completes), then end the
					// queue: nothing more goes out on a stale token.
					watch.connection.close(EXPIRED);
					watch.connection.complete();
				}
			});
	}

	private static Duration positive(Duration d) {
		return d.isNegative() ? Duration.ZERO : d;
	}

	private static UUID loginOf(Jwt token) {
		String sid = token.getClaimAsString("sid");
		try {
			return sid == null ? null : UUID.fromString(sid);
		}
		catch (IllegalArgumentException e) {
			return null;
		}
	}

	/** What travels on {@link #CHANNEL}: {@code loginId} null means every login of the user. */
	record Notice(UUID userId, UUID loginId) {
	}

	@EventListener
	void on(SignedOut event) {
		Notice notice = new Notice(event.userId(), event.loginId());
		closeLocal(notice); // at once here, even if Redis is slow; the other nodes hear it on the channel
		redis.convertAndSend(CHANNEL, json.writeValueAsString(notice))
			.subscribe(null, e -> log.warn("Could not publish sign-out of user {}", event.userId(), e));
	}

	private void closeLocal(Notice notice) {
		watches.values().forEach(watch -> {
			if (watch.connection.userId().equals(notice.userId())
					&& (notice.loginId() == null || notice.loginId().equals(watch.loginId))) {
				watch.timer.dispose();
				watch.connection.close(SIGNED_OUT);
				watch.connection.complete();
				// A sign-out is deliberate: the device goes offline at once, not when its entry expires.
				presence.deviceGone(watch.connection.userId(), watch.connection.id()).onErrorResume(e -> Mono.empty()).subscribe();
			}
		});
	}

	private void deliver(String payload) {
		try {
			closeLocal(json.readValue(payload, Notice.class));
		}
		catch (JacksonException e) {
			log.warn("Ignoring unreadable sign-out notice");
		}
	}

	@Override
	public void start() {
		subscription = listeners.receive(ChannelTopic.of(CHANNEL))
			.map(message -> message.getMessage())
			.subscribe(this::deliver, e -> log.error("Sign-out subscription ended", e));
	}

	@Override
	public void stop() {
		if (subscription != null) {
			subscription.dispose();
		}
	}

	@Override
	public boolean isRunning() {
		return subscription != null && !subscription.isDisposed();
	}
}
