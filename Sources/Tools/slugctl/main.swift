import CLibc

// slugctl, Embedded: its commands are in Sources/slugctl (linked here as slugctl/), which the
// tests also build as the SlugctlKit library.
exit(Slugctl.run(Array(Arguments.processArguments().dropFirst())))
