package io.parley.identity;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the key directory ({@code parley.identity.keys.*}).
 *
 * @param maxDevices devices with published keys per user
 * @param maxOneTimePreKeys one-time pre-keys stored per device
 * @param maxPerUpload one-time pre-keys in one upload
 * @param topUpBelow the count endpoint says {@code topUp: true} below this many one-time pre-keys
 */
@ConfigurationProperties("parley.identity.keys")
public record KeyDirectorySettings(@DefaultValue("16") int maxDevices, @DefaultValue("500") int maxOneTimePreKeys,
		@DefaultValue("100") int maxPerUpload, @DefaultValue("20") int topUpBelow) {

	public KeyDirectorySettings {
		if (maxDevices < 1 || maxOneTimePreKeys < 1 || maxPerUpload < 1 || topUpBelow < 0 || topUpBelow > maxOneTimePreKeys) {
			throw new IllegalArgumentException("parley.identity.keys: limits must be positive and top-up-below at most "
					+ "max-one-time-pre-keys");
		}
	}
}
