print("swerve-runtime-bench")
