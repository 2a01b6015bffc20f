package io.parley.identity.web;

import java.security.Principal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import io.parley.identity.Accounts;
import io.parley.identity.internal.AccessTokens;
import io.parley.identity.internal.AccountManagement;
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

	record TokenView(String accessToken, String tokenType, Instant expiresAt, long expiresIn, UUID userId, String username) {
	}

	private final AccountManagement accounts;
	private final AccessTokens tokens;
	private final Clock clock;

	AuthController(AccountManagement accounts, AccessTokens tokens, Clock clock) {
		this.accounts = accounts;
		this.tokens = tokens;
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

	@PostMapping("/auth/login")
	Mono<TokenView> login(@Valid @RequestBody LoginRequest login) {
		if (!Text.isWellFormed(login.username()) || !Text.isWellFormed(login.password())
				|| login.password().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PASSWORD_BYTES) {
			return Mono.error(new io.parley.identity.InvalidCredentials()); // no such account can exist
		}
		return accounts.authenticate(login.username(), login.password()).map(account -> {
			AccessTokens.Issued issued = tokens.issue(account);
			long expiresIn = Duration.between(Instant.now(clock), issued.expiresAt()).toSeconds();
			return new TokenView(issued.token(), "Bearer", issued.expiresAt(), expiresIn, account.id(), account.username());
		});
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
