from   alpine:3.20   as   base
run    echo   "spaces   kept in quotes"
  workdir    /app
copy   a.txt    /app/a.txt
env    KEY=value
cmd    ["sh"]
