package io.parley.identity;

import io.parley.shared.ParleyException;

import org.springframework.http.HttpStatus;

/** The user already has the most devices with published keys: remove one first. */
public class TooManyDevices extends ParleyException {

	public TooManyDevices(int max) {
		super(HttpStatus.CONFLICT, "too_many_devices", "Too many devices",
				"At most " + max + " devices per user may publish keys; remove one first (DELETE /api/me/devices/{deviceId}/keys)");
	}
}
