package io.parley.bench;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** A plain SVG chart (no library, no script): lines of points, or bars, with labelled axes. */
final class SvgChart {

	private static final String[] COLOURS = { "#1f77b4", "#d62728", "#2ca02c", "#9467bd" };
	private static final int WIDTH = 640;
	private static final int HEIGHT = 360;
	private static final int LEFT = 70;
	private static final int BOTTOM = 50;
	private static final int TOP = 40;
	private static final int RIGHT = 20;

	private SvgChart() {
	}

	/** Each series a list of {x, y} points, drawn as a line with dots. */
	static String lines(String title, String xLabel, String yLabel, Map<String, List<double[]>> series) {
		double maxX = 0;
		double maxY = 0;
		for (List<double[]> points : series.values()) {
			for (double[] p : points) {
				maxX = Math.max(maxX, p[0]);
				maxY = Math.max(maxY, p[1]);
			}
		}
		maxX = nice(maxX);
		maxY = nice(maxY);
		StringBuilder svg = frame(title, xLabel, yLabel, maxX, maxY);
		int s = 0;
		for (Map.Entry<String, List<double[]>> entry : series.entrySet()) {
			String colour = COLOURS[s % COLOURS.length];
			StringBuilder path = new StringBuilder();
			for (double[] p : entry.getValue()) {
				path.append(path.length() == 0 ? "M" : " L").append(fmt(x(p[0], maxX))).append(',').append(fmt(y(p[1], maxY)));
				svg.append(String.format(Locale.ROOT, "<circle cx=\"%s\" cy=\"%s\" r=\"3\" fill=\"%s\"/>%n", fmt(x(p[0], maxX)),
						fmt(y(p[1], maxY)), colour));
			}
			svg.append(String.format(Locale.ROOT, "<path d=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n", path, colour));
			svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\" font-size=\"13\">%s</text>%n", LEFT + 10,
					TOP + 18 + 18 * s, colour, escape(entry.getKey())));
			s++;
		}
		return svg.append("</svg>\n").toString();
	}

	/** One bar per label. */
	static String bars(String title, String yLabel, Map<String, Double> values) {
		double maxY = nice(values.values().stream().mapToDouble(Double::doubleValue).max().orElse(1));
		StringBuilder svg = frame(title, "", yLabel, 0, maxY);
		int n = values.size();
		double slot = (WIDTH - LEFT - RIGHT) / (double) Math.max(1, n);
		int i = 0;
		for (Map.Entry<String, Double> entry : values.entrySet()) {
			double top = y(entry.getValue(), maxY);
			double left = LEFT + i * slot + slot * 0.2;
			svg.append(String.format(Locale.ROOT, "<rect x=\"%s\" y=\"%s\" width=\"%s\" height=\"%s\" fill=\"%s\"/>%n", fmt(left), fmt(top),
					fmt(slot * 0.6), fmt(HEIGHT - BOTTOM - top), COLOURS[i % COLOURS.length]));
			svg.append(String.format(Locale.ROOT, "<text x=\"%s\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">%s</text>%n",
					fmt(left + slot * 0.3), HEIGHT - BOTTOM + 16, escape(entry.getKey())));
			svg.append(String.format(Locale.ROOT, "<text x=\"%s\" y=\"%s\" text-anchor=\"middle\" font-size=\"12\">%s</text>%n",
					fmt(left + slot * 0.3), fmt(top - 4), fmt(entry.getValue())));
			i++;
		}
		return svg.append("</svg>\n").toString();
	}

	private static StringBuilder frame(String title, String xLabel, String yLabel, double maxX, double maxY) {
		StringBuilder svg = new StringBuilder();
		svg.append(String.format(Locale.ROOT,
				"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\">%n", WIDTH, HEIGHT));
		svg.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
		svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" font-weight=\"bold\">%s</text>%n", LEFT, escape(title)));
		svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", LEFT, HEIGHT - BOTTOM,
				WIDTH - RIGHT, HEIGHT - BOTTOM));
		svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", LEFT, TOP, LEFT,
				HEIGHT - BOTTOM));
		for (int t = 0; t <= 4; t++) {
			double value = maxY * t / 4;
			svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%s\" text-anchor=\"end\" font-size=\"11\">%s</text>%n", LEFT - 6,
					fmt(y(value, maxY) + 4), fmt(value)));
			svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%s\" x2=\"%d\" y2=\"%s\" stroke=\"#ddd\"/>%n", LEFT, fmt(y(value, maxY)),
					WIDTH - RIGHT, fmt(y(value, maxY))));
			if (maxX > 0) {
				double xv = maxX * t / 4;
				svg.append(String.format(Locale.ROOT, "<text x=\"%s\" y=\"%d\" text-anchor=\"middle\" font-size=\"11\">%s</text>%n",
						fmt(x(xv, maxX)), HEIGHT - BOTTOM + 16, fmt(xv)));
			}
		}
		svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\">%s</text>%n",
				(LEFT + WIDTH - RIGHT) / 2, HEIGHT - 12, escape(xLabel)));
		svg.append(String.format(Locale.ROOT,
				"<text x=\"16\" y=\"%d\" text-anchor=\"middle\" font-size=\"12\" transform=\"rotate(-90 16 %d)\">%s</text>%n",
				(TOP + HEIGHT - BOTTOM) / 2, (TOP + HEIGHT - BOTTOM) / 2, escape(yLabel)));
		return svg;
	}

	private static double x(double value, double max) {
		return LEFT + (WIDTH - LEFT - RIGHT) * (max == 0 ? 0 : value / max);
	}

	private static double y(double value, double max) {
		return HEIGHT - BOTTOM - (HEIGHT - BOTTOM - TOP) * (max == 0 ? 0 : value / max);
	}

	/** The next 1, 2 or 5 times a power of ten at or above {@code value}. */
	static double nice(double value) {
		if (value <= 0 || Double.isNaN(value)) {
			return 1;
		}
		double power = Math.pow(10, Math.floor(Math.log10(value)));
		for (double step : new double[] { 1, 2, 5, 10 }) {
			if (step * power >= value) {
				return step * power;
			}
		}
		return 10 * power;
	}

	private static String fmt(double value) {
		return value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value)
				: String.format(Locale.ROOT, "%.1f", value);
	}

	private static String escape(String text) {
		return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
	}
}
