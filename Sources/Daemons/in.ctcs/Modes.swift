/// The other jobs of the in.ctcs binary, chosen before the control server starts: the queue
/// runner (`--run-queue`) and the web page (`--cgi`, or called as `torrents.cgi`). Returns
/// when neither is asked for.
func runQueueOrWebPageIfAsked() {
  let argv = Arguments.processArguments()
  if argv.contains("--run-queue") { runTorrentQueue(argv) }
  if argv.contains("--cgi") || Arguments.basename(argv.first ?? "") == "torrents.cgi" { runTorrentPage(argv) }
}
