import AcornCLI
import Foundation

exit(Acorn.execute())
