@REM Maven launcher for this project (Windows). Same rules as ./mvnw:
@REM use the installed mvn when it is recent enough, else download the pinned distribution from
@REM the repository named by MVNW_REPOURL and check its SHA-256, else stop with a message.
@echo off
setlocal EnableDelayedExpansion
set "BASE_DIR=%~dp0"
set "PROPS=%BASE_DIR%.mvn\wrapper\maven-wrapper.properties"
for /f "usebackq tokens=1,* delims==" %%a in ("%PROPS%") do (
  if "%%a"=="distributionVersion" set "DIST_VERSION=%%b"
  if "%%a"=="distributionSha256Sum" set "DIST_SHA=%%b"
)
where mvn >nul 2>nul
if %ERRORLEVEL%==0 (
  for /f "tokens=3" %%v in ('mvn -v ^| findstr /b "Apache Maven"') do set "MVN_VERSION=%%v"
  for /f "tokens=1,2 delims=." %%m in ("!MVN_VERSION!") do (
    if %%m GTR 3 goto run_installed
    if %%m EQU 3 if %%n GEQ 8 goto run_installed
  )
)
set "DIST_HOME=%USERPROFILE%\.m2\wrapper\dists\apache-maven-%DIST_VERSION%"
if exist "%DIST_HOME%\apache-maven-%DIST_VERSION%\bin\mvn.cmd" goto run_dist
if "%MVNW_REPOURL%"=="" (
  echo mvnw: Maven 3.8 or newer is needed and none was found on the PATH. 1>&2
  echo mvnw: install it, or set MVNW_REPOURL to a Maven repository base URL. 1>&2
  exit /b 1
)
set "URL=%MVNW_REPOURL%/org/apache/maven/apache-maven/%DIST_VERSION%/apache-maven-%DIST_VERSION%-bin.zip"
powershell -NoProfile -Command ^
  "$ErrorActionPreference='Stop'; $zip=Join-Path $env:TEMP 'mvnw-maven.zip';" ^
  "Invoke-WebRequest -UseBasicParsing -Uri '%URL%' -OutFile $zip;" ^
  "if ((Get-FileHash -Algorithm SHA256 $zip).Hash.ToLower() -ne '%DIST_SHA%') { throw 'SHA-256 mismatch' };" ^
  "Expand-Archive -Force $zip '%DIST_HOME%'; Remove-Item $zip"
if %ERRORLEVEL% NEQ 0 exit /b 1
:run_dist
cd /d "%BASE_DIR%"
"%DIST_HOME%\apache-maven-%DIST_VERSION%\bin\mvn.cmd" %*
exit /b %ERRORLEVEL%
:run_installed
cd /d "%BASE_DIR%"
mvn %*
exit /b %ERRORLEVEL%
