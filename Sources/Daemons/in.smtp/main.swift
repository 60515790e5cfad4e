import Runtime

Runtime.unavailable(program: "in.smtp")
