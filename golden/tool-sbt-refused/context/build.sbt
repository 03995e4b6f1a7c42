lazy val core = project.in(file("core"))
lazy val root = (project in file(".")).dependsOn(core)
