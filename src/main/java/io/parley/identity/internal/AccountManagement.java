package io.parley.identity.internal;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

import io.parley.identity.Account;
import io.parley.identity.Accounts;
import io.parley.identity.InvalidCredentials;
import io.parley.identity.UsernameTaken;
import io.parley.shared.Blocking;

import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.stereotype.Service;

import reactor.core.publisher.Mono;

/** Registration, login and account look-ups. Hashing and JDBC run off the event loop. */
@Service
public class AccountManagement implements Accounts {

	private final AccountRepository accounts;
	private final PasswordEncoder passwords;
	private final Clock clock;
	/** Hash compared against when the username is unknown, so both failures take the same time. */
	private final String decoyHash;

	AccountManagement(AccountRepository accounts, PasswordEncoder passwords, Clock clock) {
		this.accounts = accounts;
		this.passwords = passwords;
		this.clock = clock;
		this.decoyHash = passwords.encode("decoy-password-for-unknown-users");
	}

	public Mono<Account> register(String username, String password) {
		return Blocking.call(() -> {
			Account account = new Account(UUID.randomUUID(), username,
					Instant.now(clock).truncatedTo(ChronoUnit.MILLIS));
			if (!accounts.insert(account, passwords.encode(password))) {
				throw new UsernameTaken(username);
			}
			return account;
		});
	}

	public Mono<Account> authenticate(String username, String password) {
		return Blocking.call(() -> {
			Optional<AccountRepository.StoredAccount> found = accounts.findByUsername(username);
			String hash = found.map(AccountRepository.StoredAccount::passwordHash).orElse(decoyHash);
			boolean matches = passwords.matches(password, hash);
			if (found.isEmpty() || !matches) {
				throw new InvalidCredentials();
			}
			return found.get().account();
		});
	}

	@Override
	public Mono<Account> findById(UUID id) {
		return Blocking.call(() -> accounts.findById(id).orElse(null));
	}

	@Override
	public Mono<Account> findByUsername(String username) {
		return Blocking.call(() -> accounts.findByUsername(username).map(AccountRepository.StoredAccount::account).orElse(null));
	}

	@Override
	public Optional<Account> findByIdNow(UUID id) {
		return accounts.findById(id);
	}

	@Override
	public Map<UUID, String> usernamesNow(Collection<UUID> ids) {
		return accounts.findAll(ids).stream().collect(Collectors.toMap(Account::id, Account::username));
	}
}
