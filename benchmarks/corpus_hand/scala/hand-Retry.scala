package util

import scala.annotation.tailrec
import scala.concurrent.duration._

object Retry {
  @tailrec
  def retry[T](attempts: Int, delay: FiniteDuration)(fn: => T): T = {
    val result = scala.util.Try(fn)
    result match {
      case scala.util.Success(v) => v
      case scala.util.Failure(_) if attempts > 1 =>
        Thread.sleep(delay.toMillis)
        retry(attempts - 1, delay * 2)(fn)
      case scala.util.Failure(e) => throw e
    }
  }

  lazy val defaultDelay: FiniteDuration = 100.millis

  def withDefaults[T](fn: => T): T = retry(3, defaultDelay)(fn)
}
