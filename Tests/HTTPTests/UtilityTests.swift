import HTTP
import XCTest

final class HTTPDateTests: XCTestCase {
  func testTheRFCExampleInAllThreeFormats() {
    XCTAssertEqual(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784111777)
    XCTAssertEqual(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT"), 784111777)
    XCTAssertEqual(HTTPDate.parse("Sun Nov  6 08:49:37 1994"), 784111777)
    XCTAssertEqual(HTTPDate.format(784111777), "Sun, 06 Nov 1994 08:49:37 GMT")
  }

  func testFormatAndParseRoundTripAcrossLeapYearsAndEpochs() {
    XCTAssertEqual(HTTPDate.format(0), "Thu, 01 Jan 1970 00:00:00 GMT")
    XCTAssertEqual(HTTPDate.format(951782400), "Tue, 29 Feb 2000 00:00:00 GMT")
    XCTAssertEqual(HTTPDate.format(-1), "Wed, 31 Dec 1969 23:59:59 GMT")
    XCTAssertEqual(HTTPDate.format(4102444799), "Thu, 31 Dec 2099 23:59:59 GMT")
    var seconds: Int64 = -86400 * 400
    while seconds < 4_200_000_000 {
      XCTAssertEqual(HTTPDate.parse(HTTPDate.format(seconds)), seconds, HTTPDate.format(seconds))
      seconds += 86400 * 13 + 3607
    }
  }

  func testMalformedDatesAreNil() {
    for text in [
      "", "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun 06 Nov 1994 08:49:37 GMT",
      "Sun, 06 Nov 1994 08:49 GMT", "Sunday, 06-Nov-1994 08:49:37 GMT", "Sun Nov  6 08:49:37 94",
      "Sun, 29 Feb 1900 00:00:00 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
    ] {
      XCTAssertNil(HTTPDate.parse(text), text)
    }
    XCTAssertEqual(HTTPDate.parse("Tue, 29 Feb 2000 00:00:00 GMT"), 951782400)
    XCTAssertEqual(HTTPDate.parse("Thursday, 01-Jan-70 00:00:00 GMT"), 0)
  }
}

final class RequestPathTests: XCTestCase {
  private func path(_ target: String) -> String? {
    guard let result = RequestPath.segments(of: target) else { return nil }
    return result.segments.joined(separator: "|") + (result.trailingSlash ? " /" : "") + (result.query.map { " ?" + $0 } ?? "")
  }

  func testSegmentsAreDecodedAndNormalised() {
    XCTAssertEqual(path("/"), " /")
    XCTAssertEqual(path("/index.html"), "index.html")
    XCTAssertEqual(path("/music/"), "music /")
    XCTAssertEqual(path("//a///b"), "a|b")
    XCTAssertEqual(path("/a/./b/../c"), "a|c")
    XCTAssertEqual(path("/a/b/.."), "a /")
    XCTAssertEqual(path("/a/b/."), "a|b /")
    XCTAssertEqual(path("/My%20Music/caf%C3%A9.mp3?x=1&y=%20"), "My Music|café.mp3 ?x=1&y=%20")
    XCTAssertEqual(path("/a%2e%2E/%2e"), "a.. /")
    XCTAssertEqual(path("/a/%2e%2e/b"), "b")
    XCTAssertEqual(path("/a?"), "a ?")
    XCTAssertEqual(path("/a#frag"), "a")
    XCTAssertEqual(path("http://nas.home/x/y?q"), "x|y ?q")
    XCTAssertEqual(path("HTTP://nas.home"), " /")
    XCTAssertEqual(path("http://nas.home?q"), " / ?q")
  }

  func testUnsafeOrMalformedPathsAreNil() {
    for target in [
      "/..", "/../etc/passwd", "/a/../..", "/%2e%2e/x", "/a%2Fb", "/a%00", "/%zz", "/%4", "/%", "/a%ff",
      "*", "index.html", "ftp://host/x", "", "http:/x",
    ] {
      XCTAssertNil(path(target), target)
    }
  }
}

final class ByteRangesTests: XCTestCase {
  func testSingleRanges() {
    XCTAssertEqual(ByteRanges.parse(nil, size: 100), .whole)
    XCTAssertEqual(ByteRanges.parse("bytes=0-9", size: 100), .partial(first: 0, last: 9))
    XCTAssertEqual(ByteRanges.parse("Bytes = 90-200", size: 100), .partial(first: 90, last: 99))
    XCTAssertEqual(ByteRanges.parse("bytes=50-", size: 100), .partial(first: 50, last: 99))
    XCTAssertEqual(ByteRanges.parse("bytes=-10", size: 100), .partial(first: 90, last: 99))
    XCTAssertEqual(ByteRanges.parse("bytes=-1000", size: 100), .partial(first: 0, last: 99))
  }

  func testUnsatisfiableAndIgnoredRanges() {
    XCTAssertEqual(ByteRanges.parse("bytes=100-", size: 100), .unsatisfiable)
    XCTAssertEqual(ByteRanges.parse("bytes=100-200", size: 100), .unsatisfiable)
    XCTAssertEqual(ByteRanges.parse("bytes=-0", size: 100), .unsatisfiable)
    XCTAssertEqual(ByteRanges.parse("bytes=-5", size: 0), .unsatisfiable)
    XCTAssertEqual(ByteRanges.parse("bytes=0-", size: 0), .unsatisfiable)
    for header in ["bytes=0-1,5-6", "items=0-1", "bytes=5-1", "bytes=a-b", "bytes=", "bytes=-", "bytes 0-1", "bytes=--1"] {
      XCTAssertEqual(ByteRanges.parse(header, size: 100), .whole, header)
    }
  }
}

final class TextTests: XCTestCase {
  func testMIMETypes() {
    XCTAssertEqual(MIMETypes.type(forFileName: "index.HTML"), "text/html; charset=utf-8")
    XCTAssertEqual(MIMETypes.type(forFileName: "song.flac"), "audio/flac")
    XCTAssertEqual(MIMETypes.type(forFileName: "a.b.m3u8"), "application/vnd.apple.mpegurl")
    XCTAssertEqual(MIMETypes.type(forFileName: "film.mkv"), "video/x-matroska")
    XCTAssertEqual(MIMETypes.type(forFileName: "README"), "application/octet-stream")
    XCTAssertEqual(MIMETypes.type(forFileName: "trailing."), "application/octet-stream")
    XCTAssertEqual(MIMETypes.type(forFileName: "x.unknown"), "application/octet-stream")
  }

  func testHTMLEscapeAndPercentEncoding() {
    XCTAssertEqual(HTML.escape("<a href=\"x\">Tom & Jerry's</a>"), "&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;")
    XCTAssertEqual(URLEncoding.percentEncodePath("My Music/café #1?.mp3"), "My%20Music/caf%C3%A9%20%231%3F.mp3")
    XCTAssertEqual(URLEncoding.percentEncodePath("a-b_c.d~"), "a-b_c.d~")
    let name = "x y%z\"<'>&é"
    XCTAssertEqual(RequestPath.segments(of: "/" + URLEncoding.percentEncodePath(name))?.segments, [name])
  }
}
