#if !hasFeature(Embedded) && !SLUG_SINGLE_MODULE
import Text
#endif

/// Content types by file name extension (ASCII case-insensitive). Text types carry
/// "; charset=utf-8". Anything else is application/octet-stream.
public enum MIMETypes {
  private static let table: [(String, String)] = [
    ("html", "text/html; charset=utf-8"), ("htm", "text/html; charset=utf-8"),
    ("css", "text/css; charset=utf-8"), ("js", "text/javascript; charset=utf-8"),
    ("mjs", "text/javascript; charset=utf-8"), ("json", "application/json"),
    ("xml", "application/xml"), ("txt", "text/plain; charset=utf-8"), ("md", "text/markdown; charset=utf-8"),
    ("csv", "text/csv; charset=utf-8"), ("svg", "image/svg+xml"), ("png", "image/png"),
    ("jpg", "image/jpeg"), ("jpeg", "image/jpeg"), ("gif", "image/gif"), ("ico", "image/vnd.microsoft.icon"),
    ("webp", "image/webp"), ("avif", "image/avif"), ("bmp", "image/bmp"), ("tif", "image/tiff"),
    ("tiff", "image/tiff"), ("pdf", "application/pdf"), ("mp3", "audio/mpeg"), ("ogg", "audio/ogg"),
    ("oga", "audio/ogg"), ("opus", "audio/ogg"), ("flac", "audio/flac"), ("wav", "audio/wav"),
    ("m4a", "audio/mp4"), ("aac", "audio/aac"), ("mp4", "video/mp4"), ("m4v", "video/mp4"),
    ("mkv", "video/x-matroska"), ("webm", "video/webm"), ("avi", "video/x-msvideo"),
    ("mpeg", "video/mpeg"), ("mpg", "video/mpeg"), ("ts", "video/mp2t"), ("mov", "video/quicktime"),
    ("ogv", "video/ogg"), ("m3u", "audio/x-mpegurl"), ("m3u8", "application/vnd.apple.mpegurl"),
    ("pls", "audio/x-scpls"), ("srt", "application/x-subrip"), ("vtt", "text/vtt; charset=utf-8"),
    ("zip", "application/zip"), ("gz", "application/gzip"), ("tgz", "application/gzip"),
    ("tar", "application/x-tar"), ("xz", "application/x-xz"), ("bz2", "application/x-bzip2"),
    ("7z", "application/x-7z-compressed"), ("iso", "application/x-iso9660-image"),
    ("wasm", "application/wasm"), ("woff", "font/woff"), ("woff2", "font/woff2"), ("ttf", "font/ttf"),
    ("otf", "font/otf"), ("epub", "application/epub+zip"), ("rss", "application/rss+xml"),
    ("atom", "application/atom+xml"),
  ]

  public static func type(forFileName name: String) -> String {
    let bytes = Array(name.utf8)
    guard let dot = bytes.lastIndex(of: UInt8(ascii: ".")), dot + 1 < bytes.count else {
      return "application/octet-stream"
    }
    let ext = bytes[(dot + 1)...]
    for (key, type) in table where ext.elementsEqual(key.utf8, by: { ASCII.lower($0) == $1 }) { return type }
    return "application/octet-stream"
  }
}
