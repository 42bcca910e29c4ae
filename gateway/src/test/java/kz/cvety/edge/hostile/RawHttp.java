package kz.cvety.edge.hostile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import kz.cvety.edge.support.HttpAnswer;

/**
 * An HTTP/1.1 client that sends exactly the bytes a test gives it: request targets no URI class would build,
 * any Content-Type or none, bodies that are not valid UTF-8, chunked or with a Content-Length. One connection
 * per request ({@code Connection: close}); the body is written while the answer is read, so an early 413 is
 * seen even when the server stops reading.
 */
final class RawHttp {

	private static final JsonMapper JSON = JsonMapper.builder().build();

	private final int port;

	RawHttp(int port) {
		this.port = port;
	}

	/** A POST of {@code body} as {@code application/json} with a Content-Length. */
	Response postJson(String target, byte[] body) {
		return send(Request.post(target).header("Content-Type", "application/json").body(body));
	}

	Response send(Request request) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", this.port), 5000);
			socket.setSoTimeout(20_000);
			byte[] head = request.head();
			OutputStream out = socket.getOutputStream();
			Thread writer = new Thread(() -> {
				try {
					out.write(head);
					out.write(request.encodedBody());
					out.flush();
				}
				catch (IOException ex) {
					// The server answered and closed before reading everything (e.g. 413): the answer is what counts.
				}
			}, "raw-http-writer");
			writer.setDaemon(true);
			writer.start();
			byte[] raw = readAll(socket.getInputStream());
			writer.join(20_000);
			return Response.parse(raw);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("no HTTP answer to " + request.describe(), ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private static byte[] readAll(InputStream in) throws IOException {
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		byte[] chunk = new byte[8192];
		try {
			for (int n = in.read(chunk); n != -1; n = in.read(chunk)) {
				all.write(chunk, 0, n);
			}
		}
		catch (IOException ex) {
			// A reset after the answer arrived (the server closed with our body unread) ends the answer.
			if (all.size() == 0) {
				throw ex;
			}
		}
		return all.toByteArray();
	}

	/** One request, built byte for byte: header values are written as ISO-8859-1, so any byte can be sent. */
	static final class Request {

		private final String method;

		private final String target;

		private final List<String[]> headers = new ArrayList<>();

		private byte[] body = new byte[0];

		private boolean chunked;

		private boolean contentLength = true;

		private Request(String method, String target) {
			this.method = method;
			this.target = target;
		}

		static Request post(String target) {
			return new Request("POST", target);
		}

		static Request of(String method, String target) {
			return new Request(method, target);
		}

		Request header(String name, String value) {
			this.headers.add(new String[] { name, value });
			return this;
		}

		Request body(byte[] body) {
			this.body = body;
			return this;
		}

		/** Sends the body with {@code Transfer-Encoding: chunked} and no Content-Length. */
		Request chunked(boolean chunked) {
			this.chunked = chunked;
			return this;
		}

		String describe() {
			return this.method + " " + this.target;
		}

		private byte[] head() {
			StringBuilder head = new StringBuilder();
			head.append(this.method).append(' ').append(this.target).append(" HTTP/1.1\r\n");
			head.append("Host: 127.0.0.1\r\n");
			for (String[] header : this.headers) {
				head.append(header[0]).append(": ").append(header[1]).append("\r\n");
			}
			if (this.chunked) {
				head.append("Transfer-Encoding: chunked\r\n");
			}
			else if (this.contentLength) {
				head.append("Content-Length: ").append(this.body.length).append("\r\n");
			}
			head.append("Connection: close\r\n\r\n");
			return head.toString().getBytes(StandardCharsets.ISO_8859_1);
		}

		private byte[] encodedBody() {
			if (!this.chunked) {
				return this.body;
			}
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			int chunkSize = 1000;
			for (int from = 0; from < this.body.length; from += chunkSize) {
				int length = Math.min(chunkSize, this.body.length - from);
				out.writeBytes((Integer.toHexString(length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
				out.write(this.body, from, length);
				out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
			}
			out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			return out.toByteArray();
		}

	}

	/** The answer: status, headers (names lower case) and the body, de-chunked. */
	record Response(int status, List<String[]> headers, byte[] body) implements HttpAnswer {

		static Response parse(byte[] raw) {
			int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			if (end < 0) {
				throw new IllegalStateException("incomplete HTTP answer: " + new String(raw, StandardCharsets.ISO_8859_1));
			}
			String[] lines = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
			int status = Integer.parseInt(lines[0].split(" ")[1]);
			List<String[]> headers = new ArrayList<>();
			for (int i = 1; i < lines.length; i++) {
				int colon = lines[i].indexOf(':');
				headers.add(new String[] { lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
						lines[i].substring(colon + 1).trim() });
			}
			byte[] body = Arrays.copyOfRange(raw, end + 4, raw.length);
			Response response = new Response(status, headers, body);
			if ("chunked".equalsIgnoreCase(response.header("transfer-encoding"))) {
				return new Response(status, headers, dechunk(body));
			}
			return response;
		}

		@Override
		public String header(String name) {
			for (String[] header : this.headers) {
				if (header[0].equals(name.toLowerCase(Locale.ROOT))) {
					return header[1];
				}
			}
			return null;
		}

		String text() {
			return new String(this.body, StandardCharsets.UTF_8);
		}

		/** The body as JSON; fails the test if it is not. */
		@Override
		public JsonNode json() {
			return JSON.readTree(this.body);
		}

		@Override
		public String toString() {
			return this.status + " " + header("content-type") + " " + text();
		}

		private static byte[] dechunk(byte[] body) {
			ByteArrayOutputStream out = new ByteArrayOutputStream();
			int at = 0;
			while (at < body.length) {
				int lineEnd = indexOf(Arrays.copyOfRange(body, at, body.length),
						"\r\n".getBytes(StandardCharsets.US_ASCII));
				String sizeLine = new String(body, at, lineEnd, StandardCharsets.US_ASCII);
				int size = Integer.parseInt(sizeLine.split(";")[0].trim(), 16);
				at += lineEnd + 2;
				if (size == 0) {
					break;
				}
				out.write(body, at, size);
				at += size + 2;
			}
			return out.toByteArray();
		}

		private static int indexOf(byte[] haystack, byte[] needle) {
			outer: for (int i = 0; i + needle.length <= haystack.length; i++) {
				for (int j = 0; j < needle.length; j++) {
					if (haystack[i + j] != needle[j]) {
						continue outer;
					}
				}
				return i;
			}
			return -1;
		}

	}

}
