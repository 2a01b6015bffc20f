package io.parley.identity;

import io.parley.shared.ParleyException;

import org.springframework.http.HttpStatus;

/** The device would hold more one-time pre-keys than allowed: nothing of the upload was stored. */
public class TooManyPreKeys extends ParleyException {

	public TooManyPreKeys(int stored, int added, int max) {
		super(HttpStatus.CONFLICT, "too_many_prekeys", "Too many pre-keys", "The device holds " + stored
				+ " one-time pre-keys; adding " + added + " would exceed the limit of " + max);
	}
}
