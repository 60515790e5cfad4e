/// The DATA section (RFC 5321 §4.1.1.4, §4.5.2): lines until one that is just ".", a leading
/// dot removed from every other line, line ends made LF. Fed any split of the input, it gives
/// the same output; it keeps no more than the state of the current line.
///
/// SMTP smuggling: a client that speaks CRLF (its DATA command ended in CRLF) ends the data
/// only with CRLF "." CRLF; a "." line next to a bare LF is content, so a message cannot carry
/// a second, forged one past an upstream server that reads the end differently. A client that
/// sends bare LF everywhere may end with LF "." LF.
struct BodyDecoder: Sendable {
  enum End: Equatable, Sendable {
    case complete(size: Int)
    case tooBig
    case lineTooLong
  }

  private enum State: Sendable {
    case lineStart
    /// The line began with a dot, not yet known to be the last line or a stuffed one.
    case dot
    /// "." then CR.
    case dotCR
    case inLine
    /// A CR, not yet known to end the line.
    case carriageReturn
  }

  private var state = State.lineStart
  private let strictEnd: Bool
  /// The last line ended in CRLF (the DATA command line counts).
  private var afterCRLF = true
  private var lineLength = 0
  private(set) var size = 0
  private var tooBig = false
  private var tooLong = false
  /// Bytes decoded by the last `decode` call; the caller empties it.
  var output: [UInt8] = []

  init(strictEnd: Bool = true) {
    self.strictEnd = strictEnd
  }

  /// Decodes from `bytes` until the final dot line or the end of the input. Returns how many
  /// bytes it used and, when the final dot was among them, how the message ended.
  mutating func decode(_ bytes: ArraySlice<UInt8>, limit: Int) -> (used: Int, end: End?) {
    var index = bytes.startIndex
    while index < bytes.endIndex {
      let byte = bytes[index]
      index += 1
      switch state {
      case .lineStart:
        if byte == UInt8(ascii: ".") {
          state = .dot
        } else {
          inLine(byte, limit: limit)
        }
      case .dot:
        if byte == UInt8(ascii: "\n") {
          if !strictEnd { return (index - bytes.startIndex, finish()) }
          inLine(byte, limit: limit)
        } else if byte == UInt8(ascii: "\r") {
          state = .dotCR
        } else {
          inLine(byte, limit: limit)
        }
      case .dotCR:
        if byte == UInt8(ascii: "\n") && (afterCRLF || !strictEnd) { return (index - bytes.startIndex, finish()) }
        // ".\rX": a stuffed line that starts with a bare CR.
        state = .carriageReturn
        lineLength += 1
        afterCarriageReturn(byte, limit: limit)
      case .inLine:
        inLine(byte, limit: limit)
      case .carriageReturn:
        afterCarriageReturn(byte, limit: limit)
      }
    }
    return (index - bytes.startIndex, nil)
  }

  private mutating func inLine(_ byte: UInt8, limit: Int) {
    switch byte {
    case UInt8(ascii: "\r"):
      state = .carriageReturn
      lineLength += 1
    case UInt8(ascii: "\n"):
      emit(byte, limit: limit)
      state = .lineStart
      lineLength = 0
      afterCRLF = false
    default:
      state = .inLine
      lineLength += 1
      if lineLength > SMTPSession.maximumBodyLine { tooLong = true }
      emit(byte, limit: limit)
    }
  }

  private mutating func afterCarriageReturn(_ byte: UInt8, limit: Int) {
    if byte == UInt8(ascii: "\n") {
      emit(byte, limit: limit)
      state = .lineStart
      lineLength = 0
      afterCRLF = true
      return
    }
    emit(UInt8(ascii: "\r"), limit: limit)
    state = .inLine
    inLine(byte, limit: limit)
  }

  private mutating func emit(_ byte: UInt8, limit: Int) {
    guard !tooBig, !tooLong else { return }
    size += 1
    if size > limit {
      tooBig = true
      output.removeAll()
      return
    }
    output.append(byte)
  }

  private mutating func finish() -> End {
    if tooBig { return .tooBig }
    if tooLong { return .lineTooLong }
    return .complete(size: size)
  }
}
