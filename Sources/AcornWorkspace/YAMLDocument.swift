import AcornModel
import Yams

/// Reads a YAML settings file into a `JSONValue` (numbers exact, from their text), remembering the
/// line of every value so findings can point at it.
public enum YAMLDocument {
  public struct Failure: Error {
    public var line: Int
    public var message: String
  }

  public static func parse(_ text: String) throws(Failure) -> JSONParser.Parsed {
    let node: Node?
    do {
      node = try Yams.compose(yaml: text)
    } catch let error as YamlError {
      throw Self.failure(error)
    } catch {
      throw Failure(line: 1, message: "\(error)")
    }
    guard let node else { return JSONParser.Parsed(value: .null, lines: [:]) }
    var lines: [JSONPath: Int] = [:]
    let value = try convert(node, path: [], lines: &lines)
    return JSONParser.Parsed(value: value, lines: lines)
  }

  static func failure(_ error: YamlError) -> Failure {
    switch error {
    case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
      return Failure(line: mark.line, message: problem)
    case .composer(_, let problem, let mark, _):
      return Failure(line: mark.line, message: problem)
    default:
      return Failure(line: 1, message: "\(error)")
    }
  }

  static func convert(_ node: Node, path: [JSONPath.Component], lines: inout [JSONPath: Int])
    throws(Failure) -> JSONValue
  {
    let line = node.mark?.line ?? 1
    lines[JSONPath(path)] = line
    switch node {
    case .scalar(let scalar):
      switch node.tag {
      case Tag(.null): return .null
      case Tag(.bool): return .bool(node.bool ?? false)
      case Tag(.int), Tag(.float):
        if let n = try? DecimalNumber(parsing: scalar.string, lenient: true) { return .number(n) }
        return .string(scalar.string)
      default: return .string(scalar.string)
      }
    case .mapping(let mapping):
      var out: [String: JSONValue] = [:]
      for (key, value) in mapping {
        guard case .scalar(let k) = key else {
          throw Failure(line: key.mark?.line ?? line, message: "mapping keys must be plain text")
        }
        if out[k.string] != nil {
          throw Failure(line: key.mark?.line ?? line, message: "duplicate key \"\(k.string)\"")
        }
        out[k.string] = try convert(value, path: path + [.key(k.string)], lines: &lines)
      }
      return .object(out)
    case .sequence(let sequence):
      var out: [JSONValue] = []
      for (i, item) in sequence.enumerated() {
        out.append(try convert(item, path: path + [.index(i)], lines: &lines))
      }
      return .array(out)
    case .alias:
      throw Failure(line: line, message: "YAML aliases are not supported in settings files")
    }
  }
}
