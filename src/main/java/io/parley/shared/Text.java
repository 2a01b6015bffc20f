package io.parley.shared;

/** Rules for text we store: well-formed Unicode, no NUL (PostgreSQL text cannot hold it). */
public final class Text {

	/**
	 * For {@code @Pattern}: no NUL, no unpaired surrogate (Java regex sees a proper pair as one code
	 * point, so only a lone half matches {@code \p{Cs}}).
	 */
	public static final String WELL_FORMED = "[^\\x00\\p{Cs}]*";

	private Text() {
	}

	public static boolean isWellFormed(String s) {
		for (int i = 0; i < s.length(); i++) {
			char c = s.charAt(i);
			if (c == 0) {
				return false;
			}
			if (Character.isHighSurrogate(c)) {
				if (i + 1 >= s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
					return false;
				}
				i++;
			}
			else if (Character.isLowSurrogate(c)) {
				return false;
			}
		}
		return true;
	}
}
