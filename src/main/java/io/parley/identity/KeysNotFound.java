package io.parley.identity;

import io.parley.shared.NotFound;

/** The user (or the one device asked for) has published no keys. */
public class KeysNotFound extends NotFound {

	public KeysNotFound(String detail) {
		super("keys_not_found", detail);
	}
}
