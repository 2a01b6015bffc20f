package io.parley.identity.web;

import java.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import io.parley.identity.Accounts;
import io.parley.identity.internal.AccessTokens;
import io.parley.identity.internal.AccountManagement;
import io.parley.identity.internal.LoginThrottle;
import io.parley.identity.internal.RefreshTokens;
import io.parley.shared.Blocking;
import io.parley.shared.NotFound;
import io.parley.shared.Text;
import io.parley.shared.ValidationFailed;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.web.server.ServerWebExchange;

import reactor.core.publisher.Mono;

/** Register, log in, and look up who is who. */
@RestController
@RequestMapping("/api")
class AuthController {

	record Credentials(
			@NotNull @Size(min = 3, max = 32) @Pattern(regexp = "[A-Za-z0-9_.-]+",
					message = "may contain only letters, digits, '_', '.' and '-'") String username,
			@NotNull @Size(min = 8, max = 72) @Pattern(regexp = Text.WELL_FORMED, message = "must be well-formed text") String password) {
	}

	record LoginRequest(@NotNull @Size(min = 1, max = 32) String username, @NotNull @Size(min = 1, max = 128) String password) {
	}

	/** BCrypt reads at most 72 bytes: longer passwords are refused rather than silently cut. */
	static final int MAX_PASSWORD_BYTES = 72;

	record UserView(UUID userId, String username) {
	}

	record TokenView(String accessToken, String tokenType, Instant expiresAt, long expiresIn, UUID userId, String username,
			String refreshToken, Instant refreshExpiresAt) {
	}

	record RefreshRequest(@NotNull @Size(min = 1, max = 128) String refreshToken) {
	}

	/** {@code allDevices}: end every login of the user, not only the one of this access token. */
	record LogoutRequest(Boolean allDevices) {
	}

	private final AccountManagement accounts;
	private final AccessTokens tokens;
	private final RefreshTokens refreshTokens;
	private final LoginThrottle throttle;
	private final Clock clock;

	AuthController(AccountManagement accounts, AccessTokens tokens, RefreshTokens refreshTokens, LoginThrottle throttle,
			Clock clock) {
		this.accounts = accounts;
		this.tokens = tokens;
		this.refreshTokens = refreshTokens;
		this.throttle = throttle;
		this.clock = clock;
	}

	@PostMapping("/auth/register")
	@ResponseStatus(HttpStatus.CREATED)
	Mono<UserView> register(@Valid @RequestBody Credentials credentials) {
		if (credentials.password().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
			return Mono.error(new ValidationFailed("password: at most " + MAX_PASSWORD_BYTES + " bytes in UTF-8"));
		}
		return accounts.register(credentials.username(), credentials.password())
			.map(account -> new UserView(account.id(), account.username()));
	}

	/** Throttled per account and per client address (429 {@code too_many_attempts}), right or wrong. */
	@PostMapping("/auth/login")
	Mono<TokenView> login(@Valid @RequestBody LoginRequest login, ServerWebExchange exchange) {
		try {
			throttle.attempt(login.username(), clientAddress(exchange));
		}
		catch (io.parley.shared.TooManyRequests tooMany) {
			return Mono.error(tooMany);
		}
		if (!Text.isWellFormed(login.username()) || !Text.isWellFormed(login.password())
				|| login.password().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
			return Mono.error(new io.parley.identity.InvalidCredentials()); // no such account can exist
		}
		return accounts.authenticate(login.username(), login.password())
			.flatMap(account -> Blocking.call(() -> refreshTokens.start(account.id()))
				.map(refresh -> tokens(account.username(), refresh)));
	}

	/**
	 * Trades a refresh token for a new access token and a new refresh token (rotation): the one
	 * presented is spent. Presenting a spent one ends its whole login ({@code refresh_token_reused}).
	 */
	@PostMapping("/auth/refresh")
	Mono<TokenView> refresh(@Valid @RequestBody RefreshRequest request) {
		return Blocking.call(() -> refreshTokens.rotate(request.refreshToken()))
			.flatMap(refresh -> accounts.findById(refresh.userId())
				.switchIfEmpty(Mono.error(() -> new RefreshTokens.Refused("invalid_refresh_token", "The account no longer exists")))
				.map(account -> tokens(account.username(), refresh)));
	}

	/**
	 * Ends the login of the access token presented (its refresh tokens stop working, and its live
	 * connections are closed with 4001), or every login of the user with {@code {"allDevices":true}}.
	 * The access token itself stays valid until it expires (at most {@code access-token-ttl}).
	 */
	@PostMapping("/auth/logout")
	@ResponseStatus(HttpStatus.NO_CONTENT)
	Mono<Void> logout(@RequestBody(required = false) LogoutRequest request, Principal principal) {
		UUID userId = Accounts.idOf(principal);
		boolean all = request != null && Boolean.TRUE.equals(request.allDevices());
		UUID loginId = all ? null : loginOf(principal);
		return Blocking.run(() -> refreshTokens.revoke(userId, loginId));
	}

	private TokenView tokens(String username, RefreshTokens.Issued refresh) {
		AccessTokens.Issued issued = tokens.issue(refresh.userId(), username, refresh.loginId());
		long expiresIn = Duration.between(Instant.now(clock), issued.expiresAt()).toSeconds();
		return new TokenView(issued.token(), "Bearer", issued.expiresAt(), expiresIn, refresh.userId(), username,
				refresh.token(), refresh.expiresAt());
	}

	/** The login ({@code sid}) of the access token; a token without one (none issued here) ends no particular login. */
	private static UUID loginOf(Principal principal) {
		if (principal instanceof JwtAuthenticationToken jwt) {
			String sid = jwt.getToken().getClaimAsString(AccessTokens.LOGIN_CLAIM);
			try {
				return sid == null ? null : UUID.fromString(sid);
			}
			catch (IllegalArgumentException e) {
				return null;
			}
		}
		return null;
	}

	/** The peer's address (behind a proxy: set {@code server.forward-headers-strategy} so this is the client's). */
	private static String clientAddress(ServerWebExchange exchange) {
		java.net.InetSocketAddress remote = exchange.getRequest().getRemoteAddress();
		if (remote == null) {
			return "unknown";
		}
		return remote.getAddress() != null ? remote.getAddress().getHostAddress() : remote.getHostString();
	}

	@GetMapping("/me")
	Mono<UserView> me(Principal principal) {
		return accounts.findById(Accounts.idOf(principal))
			.switchIfEmpty(Mono.error(() -> new NotFound("user_not_found", "Your account no longer exists")))
			.map(account -> new UserView(account.id(), account.username()));
	}

	@GetMapping("/users")
	Mono<UserView> findUser(@RequestParam String username) {
		Mono<io.parley.identity.Account> found = Text.isWellFormed(username) ? accounts.findByUsername(username) : Mono.empty();
		return found
			.switchIfEmpty(Mono.error(() -> new NotFound("user_not_found", "No user named '" + username + "'")))
			.map(account -> new UserView(account.id(), account.username()));
	}
}
