// sbt build definition written as a Scala file
import sbt._
import Keys._

lazy val commonSettings = Seq(
  organization := "com.example",
  scalaVersion := "2.13.12",
  scalacOptions ++= Seq("-deprecation", "-feature", "-Xfatal-warnings")
)

lazy val core = (project in file("core"))
  .settings(commonSettings: _*)
  .settings(
    name := "core",
    libraryDependencies ++= Seq(
      "org.typelevel" %% "cats-core" % "2.10.0",
      "org.scalatest" %% "scalatest" % "3.2.17" % Test
    )
  )

lazy val api = (project in file("api"))
  .dependsOn(core)
  .settings(commonSettings: _*)
