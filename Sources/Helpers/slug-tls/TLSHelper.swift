import CLibc
import CTLS

enum TLSHelper {
  static func main() {
    exit(EX_USAGE)
  }
}
