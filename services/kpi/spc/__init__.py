"""Statistical process control: XmR charts as in NHS Making Data Count."""
