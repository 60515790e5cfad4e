extension StringProtocol {
  /// The text without the white space at either end: spaces, tabs, line ends and the other
  /// Unicode white space.
  var trimmingWhitespace: String {
    guard let first = firstIndex(where: { !$0.isWhitespace }), let last = lastIndex(where: { !$0.isWhitespace }) else {
      return ""
    }
    return String(self[first...last])
  }
}
