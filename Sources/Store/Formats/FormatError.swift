/// A flat file that does not parse: where, and what is wrong with which value.
public struct FormatError: Error, Equatable, CustomStringConvertible {
  public var file: String
  public var line: Int
  public var message: String

  public init(file: String, line: Int, message: String) {
    self.file = file
    self.line = line
    self.message = message
  }

  /// `FILE:LINE: message`, the form compilers use, so editors jump to the line.
  public var description: String { "\(file):\(line): \(message)" }
}
