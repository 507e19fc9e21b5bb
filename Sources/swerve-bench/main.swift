print("swerve-bench")
