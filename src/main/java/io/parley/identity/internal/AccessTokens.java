package io.parley.identity.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

import io.parley.identity.Account;
import io.parley.identity.IdentitySettings;

import org.springframework.security.oauth2.jose.jws.MacAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtEncoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.stereotype.Component;

/** Issues signed access tokens: subject = account id, plus the username for display. */
@Component
public class AccessTokens {

	public record Issued(String token, Instant expiresAt) {
	}

	private final JwtEncoder encoder;
	private final IdentitySettings settings;
	private final Clock clock;

	AccessTokens(JwtEncoder encoder, IdentitySettings settings, Clock clock) {
		this.encoder = encoder;
		this.settings = settings;
		this.clock = clock;
	}

	/** The claim that names the login (refresh token family) an access token belongs to. */
	public static final String LOGIN_CLAIM = "sid";

	public Issued issue(Account account) {
		return issue(account.id(), account.username(), null);
	}

	/** An access token of a login ({@code sid} = the refresh token family), or of none when {@code loginId} is null. */
	public Issued issue(java.util.UUID userId, String username, java.util.UUID loginId) {
		Instant now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS);
		Instant expiresAt = now.plus(settings.accessTokenTtl());
		JwtClaimsSet.Builder claims = JwtClaimsSet.builder()
			.issuer(settings.issuer())
			.subject(userId.toString())
			.issuedAt(now)
			.expiresAt(expiresAt)
			.claim("username", username);
		if (loginId != null) {
			claims.claim(LOGIN_CLAIM, loginId.toString());
		}
		String token = encoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims.build()))
			.getTokenValue();
		return new Issued(token, expiresAt);
	}
}
