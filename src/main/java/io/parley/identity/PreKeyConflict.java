package io.parley.identity;

import io.parley.shared.ParleyException;

import org.springframework.http.HttpStatus;

/** A one-time pre-key id is already stored with different bytes: nothing of the upload was stored. */
public class PreKeyConflict extends ParleyException {

	public PreKeyConflict(int keyId) {
		super(HttpStatus.CONFLICT, "prekey_conflict", "Pre-key id in use",
				"One-time pre-key " + keyId + " is already stored with a different public key; use fresh key ids");
	}
}
