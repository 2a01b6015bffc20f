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

	public Issued issue(Account account) {
		Instant now = Instant.now(clock).truncatedTo(ChronoUnit.SECONDS);
		Instant expiresAt = now.plus(settings.accessTokenTtl());
		JwtClaimsSet claims = JwtClaimsSet.builder()
			.issuer(settings.issuer())
			.subject(account.id().toString())
			.issuedAt(now)
			.expiresAt(expiresAt)
			.claim("username", account.username())
			.build();
		String token = encoder.encode(JwtEncoderParameters.from(JwsHeader.with(MacAlgorithm.HS256).build(), claims))
			.getTokenValue();
		return new Issued(token, expiresAt);
	}
}
