import io.circe._
import io.circe.generic.semiauto._
import io.circe.parser.decode

final case class Config(host: String, port: Int, debug: Boolean = false)

object Config {
  implicit val decoder: Decoder[Config] = deriveDecoder[Config]
  implicit val encoder: Encoder[Config] = deriveEncoder[Config]

  def parse(raw: String): Either[Error, Config] = decode[Config](raw)
}

object ConfigApp extends App {
  val raw = """{"host": "localhost", "port": 8080}"""
  Config.parse(raw) match {
    case Right(cfg) => println(s"listening on ${cfg.host}:${cfg.port}")
    case Left(err)  => sys.error(err.getMessage)
  }
}
