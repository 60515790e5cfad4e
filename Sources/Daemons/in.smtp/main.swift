Runtime.unavailable(program: "in.smtp")
