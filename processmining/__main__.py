from processmining.cli import main

main()
